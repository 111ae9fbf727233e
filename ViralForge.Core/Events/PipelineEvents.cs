using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ViralForge.Core.Data;

namespace ViralForge.Core.Events;

/// <summary>What the board and video pages hear: a run changed state or made progress.</summary>
public sealed record PipelineEvent(
    Guid VideoId,
    long? RunId,
    string? Stage,
    int? Scene,
    string? Status,
    double? Fraction,
    string? Message,
    double? EtaSeconds = null);

/// <summary>
/// Events travel through PostgreSQL NOTIFY so every studio process (and a separate GPU box) hears
/// them; a notify inside a transaction is delivered only if it commits.
/// </summary>
public static class PipelineNotify
{
    public const string Channel = "viralforge_events";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task SendAsync(ViralForgeDbContext db, PipelineEvent e, CancellationToken ct)
    {
        var payload = JsonSerializer.Serialize(e, Json);
        return db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {payload})", ct);
    }
}
