namespace ViralForge.Web.Security;

/// <summary>Who may do what. Admins may do everything.</summary>
public static class Policies
{
    public const string View = "view";
    public const string Create = "create";
    public const string Review = "review";
    public const string Admin = "admin";
}
