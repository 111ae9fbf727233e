// Roles and the acting user are the Core's: commands check them as well as endpoints and pages.
global using ViralForge.Core.Security;
