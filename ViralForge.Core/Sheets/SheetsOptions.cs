using System.ComponentModel.DataAnnotations;

namespace ViralForge.Core.Sheets;

/// <summary>Google Sheets as a second desk: briefs come in, videos awaiting review go out, decisions come back.</summary>
public sealed class SheetsOptions
{
    public const string Section = "Sheets";

    /// <summary>The spreadsheet's id (from its URL: /spreadsheets/d/{id}/edit). Empty: the desk is off.</summary>
    public string? SpreadsheetId { get; set; }

    /// <summary>
    /// A Google credential file: a service account's JSON key (share the spreadsheet with its client_email
    /// as an editor), or an authorized-user credential holding a person's OAuth grant (type "authorized_user":
    /// client_id, client_secret, refresh_token, as <c>gcloud auth application-default login</c> writes it).
    /// </summary>
    public string? ServiceAccountKeyFile { get; set; }

    /// <summary>The same credential as JSON text (from a secret store or the environment), instead of a file.</summary>
    public string? ServiceAccountJson { get; set; }

    public string BriefsTab { get; set; } = "Briefs";
    public string ReviewTab { get; set; } = "Review";

    [Range(1, 1440)]
    public int SyncEveryMinutes { get; set; } = 5;

    public string BaseUrl { get; set; } = "https://sheets.googleapis.com/";

    /// <summary>Rows read at most per tab.</summary>
    [Range(10, 10000)]
    public int MaxRows { get; set; } = 1000;

    /// <summary>Longer cells are refused (a sheet cell may hold 50,000 characters).</summary>
    [Range(100, 50000)]
    public int MaxCellChars { get; set; } = 2000;

    [Range(1, 300)]
    public double RequestTimeoutSeconds { get; set; } = 30;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(SpreadsheetId) && (!string.IsNullOrWhiteSpace(ServiceAccountKeyFile) || !string.IsNullOrWhiteSpace(ServiceAccountJson));

    /// <summary>What is missing, in words, or null.</summary>
    public string? Missing => string.IsNullOrWhiteSpace(SpreadsheetId)
        ? "No spreadsheet is configured (Sheets:SpreadsheetId)."
        : !IsConfigured ? "No Google credential is configured: a service account key or an authorized-user grant (Sheets:ServiceAccountKeyFile or Sheets__ServiceAccountJson)." : null;
}
