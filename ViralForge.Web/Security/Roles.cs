namespace ViralForge.Web.Security;

public static class Roles
{
    public const string Creator = "creator";
    public const string Reviewer = "reviewer";
    public const string Admin = "admin";
    public static readonly string[] All = [Creator, Reviewer, Admin];
}

/// <summary>Who may do what. Admins may do everything.</summary>
public static class Policies
{
    public const string View = "view";
    public const string Create = "create";
    public const string Review = "review";
    public const string Admin = "admin";
}
