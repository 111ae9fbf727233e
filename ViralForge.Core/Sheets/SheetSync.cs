using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ViralForge.Core.Data;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Script;

namespace ViralForge.Core.Sheets;

/// <summary>
/// One sync of the Sheets desk, a job on the outside queue: read both tabs in one request, make a
/// draft of each new valid "go" row (exactly once: the video id comes from the row), mirror the
/// videos awaiting review, apply reviewers' decisions with the same role rules as the studio, then
/// write every changed status cell back in one batch. Sheets down or over quota fails only this job;
/// the next sync picks up where this one stopped, since what the sheet should show is kept here.
/// </summary>
public sealed class SheetSync(
    IDbContextFactory<ViralForgeDbContext> dbFactory,
    SheetsClient sheets,
    PipelineCommands commands,
    Narration.VoiceCatalog voices,
    IOptions<SheetsOptions> options,
    IOptions<Publishing.PublishingOptions> publishing,
    TimeProvider time,
    ILogger<SheetSync> log)
{
    public const string RecurringJobId = "sync-sheets";

    /// <summary>Where a row's channel is kept on the video until a reviewer approves it from the sheet (not a stage's parameters).</summary>
    private const string ChannelsParameter = "Sheet";

    private static readonly string[] ReviewColumns = ["video", "title", "studio", "poster", "status", "decision", "reason", "reviewer", "result"];

    private SheetsOptions O => options.Value;

    private sealed class Outcome
    {
        public List<(string Range, IReadOnlyList<IReadOnlyList<object?>> Values)> Writes { get; } = [];
        public int Read { get; set; }
        public int Refused { get; set; }
        public int Drafts { get; set; }
        public int Decisions { get; set; }

        public void Write(SheetTable table, string column, int sheetRow, string? current, string desired)
        {
            if (table.Has(column) && current != desired)
            {
                Writes.Add((table.CellRange(column, sheetRow), [[desired]]));
            }
        }
    }

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 5)]
    [JobDisplayName("Sync the Sheets desk")]
    public async Task SyncAsync(CancellationToken ct)
    {
        if (O.Missing is { } missing)
        {
            await RecordAsync(null, missing, ct);
            return;
        }
        var outcome = new Outcome();
        try
        {
            var ranges = await sheets.BatchGetAsync([Range(O.BriefsTab), Range(O.ReviewTab)], ct);
            if (ranges.Count != 2)
            {
                throw new SheetsException($"Sheets gave {ranges.Count} ranges for the two tabs asked for.");
            }
            var briefs = SheetTable.Read(O.BriefsTab, ranges[0]);
            var review = SheetTable.Read(O.ReviewTab, ranges[1]);
            await SyncBriefsAsync(briefs, outcome, ct);
            await SyncReviewAsync(review, outcome, ct);
            // One request for every changed cell, in chunks the API takes comfortably.
            foreach (var chunk in outcome.Writes.Chunk(500))
            {
                await sheets.BatchUpdateAsync(chunk, ct);
            }
            await RecordAsync(outcome, null, ct);
        }
        catch (SheetsException ex)
        {
            // What was done is kept (drafts, decisions); the statuses go out with the next sync.
            await RecordAsync(outcome, ex.Message, ct);
        }
    }

    private string Range(string tab) => $"'{tab.Replace("'", "''", StringComparison.Ordinal)}'!A1:Z{O.MaxRows + 1}";

    private async Task SyncBriefsAsync(SheetTable table, Outcome outcome, CancellationToken ct)
    {
        if (table.Missing(BriefRow.Required) is { Count: > 0 } missing)
        {
            throw new SheetsException($"The {O.BriefsTab} tab needs the columns {string.Join(", ", BriefRow.Required)} in its first row (also tone, seconds, voice, channel, video); missing: {string.Join(", ", missing)}.");
        }
        var spreadsheet = O.SpreadsheetId!;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var known = await db.SheetBriefs.Where(b => b.SpreadsheetId == spreadsheet).ToListAsync(ct);
        var draftedIds = known.Where(b => b.VideoId is not null).Select(b => b.VideoId!.Value).ToList();
        var draftedStatus = await db.Videos.AsNoTracking().Where(v => draftedIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.Status, ct);
        var channels = await db.Channels.AsNoTracking().Select(c => new { c.Id, c.Name }).ToListAsync(ct);
        var voiceIds = (await voices.ListAsync(ct)).Select(v => v.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < table.Rows.Count; i++)
        {
            if (table.IsEmpty(i))
            {
                continue;
            }
            outcome.Read++;
            var row = BriefRow.Read(table, i, O.MaxCellChars);
            var problems = row.Problems.ToList();
            if (row.Voice is { } voice && !voiceIds.Contains(voice))
            {
                problems.Add($"There is no voice “{Trends.TrendText.Clean(voice, 60)}” (see the studio's voice list).");
            }
            var channel = row.Channel is { } name ? channels.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)) : null;
            if (row.Channel is not null && channel is null)
            {
                problems.Add($"There is no channel “{Trends.TrendText.Clean(row.Channel, 60)}”.");
            }
            // A topic belongs to the first row that has it; the same topic again is a mistake in the sheet.
            int? duplicateOf = row.Topic.Length > 0 && seen.TryGetValue(row.TopicKey, out var first) ? first : null;
            if (duplicateOf is null && row.Topic.Length > 0)
            {
                seen[row.TopicKey] = row.SheetRow;
            }
            var brief = known.FirstOrDefault(b => row.VideoInRow is { } v && b.VideoId == v)
                ?? (duplicateOf is null ? known.FirstOrDefault(b => b.TopicKey == row.TopicKey) : null);
            if (brief is null && duplicateOf is { } firstRow)
            {
                problems.Add($"The same topic is in row {firstRow}; each topic becomes one video.");
            }

            string status;
            if (brief?.VideoId is { } videoId)
            {
                // Drafted before: never again; an edit since then is reported, not silently dropped.
                var edited = brief.ContentHash != row.ContentHash;
                status = (draftedStatus.TryGetValue(videoId, out var videoStatus) ? $"In the studio: {Describe(videoStatus)}." : "The studio's video for this row was deleted.")
                    + (edited ? " This row was edited after the draft was made; the draft keeps what it was made from (change it in the studio)." : "");
                outcome.Write(table, "video", row.SheetRow, table.Text(i, "video"), StudioLink(videoId));
                brief.RowNumber = row.SheetRow;
                brief.Status = status;
            }
            else if (problems.Count > 0)
            {
                outcome.Refused++;
                status = "⚠ " + string.Join(" ", problems.Distinct());
            }
            else if (!row.Go)
            {
                status = "Ready: tick “go” to start it.";
            }
            else
            {
                var id = row.VideoIdFor(spreadsheet);
                (var drafted, status) = await DraftAsync(db, row, id, channel?.Id, ct);
                if (drafted is not null)
                {
                    outcome.Drafts++;
                    known.Add(drafted);
                    outcome.Write(table, "video", row.SheetRow, table.Text(i, "video"), StudioLink(id));
                }
            }
            outcome.Write(table, "status", row.SheetRow, table.Text(i, "status"), status.Length <= 1000 ? status : status[..1000]);
        }
        await db.SaveChangesAsync(ct);
    }

    private async Task<(SheetBrief? Brief, string Status)> DraftAsync(ViralForgeDbContext db, BriefRow row, Guid videoId, int? channelId, CancellationToken ct)
    {
        var parameters = new JsonObject();
        if (row.Voice is not null)
        {
            parameters["Narration"] = new JsonObject { ["voice"] = row.Voice };
        }
        if (channelId is { } channel)
        {
            parameters[ChannelsParameter] = new JsonObject { ["channels"] = new JsonArray(channel) };
        }
        try
        {
            await commands.CreateFromBriefAsync(new ScriptRequest(row.Topic, row.Tone, row.Seconds, "en"), parameters, Security.StudioActor.System("sheet:" + O.BriefsTab, Security.Roles.Creator), ct,
                videoId: videoId, brief: $"From the sheet, {O.BriefsTab} row {row.SheetRow}.");
        }
        catch (DbUpdateException)
        {
            // An earlier sync made it and stopped before recording that: the row's video already exists.
            if (!await db.Videos.AnyAsync(v => v.Id == videoId, ct))
            {
                throw;
            }
        }
        catch (PipelineCommandException ex)
        {
            return (null, "⚠ " + ex.Message);
        }
        var brief = db.SheetBriefs.Add(new SheetBrief
        {
            SpreadsheetId = O.SpreadsheetId!,
            TopicKey = row.TopicKey,
            RowNumber = row.SheetRow,
            ContentHash = row.ContentHash,
            VideoId = videoId,
            Status = "Drafted: the script model is writing it.",
        }).Entity;
        log.LogInformation("Sheet row {Row} became video {VideoId}.", row.SheetRow, videoId);
        return (brief, brief.Status);
    }

    private async Task SyncReviewAsync(SheetTable table, Outcome outcome, CancellationToken ct)
    {
        if (table.Missing("video", "status", "decision", "reviewer", "result") is { Count: > 0 } missing)
        {
            throw new SheetsException($"The {O.ReviewTab} tab needs the columns {string.Join(", ", ReviewColumns)} in its first row; missing: {string.Join(", ", missing)}.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = new Dictionary<Guid, int>();
        for (var i = 0; i < table.Rows.Count; i++)
        {
            if (Guid.TryParse(table.Text(i, "video").Trim(), out var id))
            {
                rows.TryAdd(id, i);
            }
        }
        // Decisions first, so the mirror below shows their effect in this same sync.
        var decided = rows.Where(r => table.Text(r.Value, "decision").Trim().Length > 0).ToList();
        var decidedIds = decided.Select(r => r.Key).ToList();
        var awaitingDecision = (await db.Videos.AsNoTracking().Where(v => decidedIds.Contains(v.Id) && v.Status == VideoStatus.AwaitingReview)
            .Select(v => v.Id).ToListAsync(ct)).ToHashSet();
        foreach (var (videoId, i) in decided.Where(r => awaitingDecision.Contains(r.Key)))
        {
            var decision = table.Text(i, "decision").Trim().ToLowerInvariant();
            var result = await DecideAsync(db, videoId, decision, table.Text(i, "reason").Trim(), table.Text(i, "reviewer").Trim(), ct);
            outcome.Decisions += result.StartsWith("Applied", StringComparison.Ordinal) ? 1 : 0;
            outcome.Write(table, "result", SheetTable.SheetRow(i), table.Text(i, "result"), result);
        }

        var awaiting = await db.Videos.AsNoTracking().Where(v => v.Status == VideoStatus.AwaitingReview)
            .OrderBy(v => v.UpdatedAt).Take(O.MaxRows).Select(v => new { v.Id, v.Title, v.Status }).ToListAsync(ct);
        var mirrored = await db.Videos.AsNoTracking().Where(v => rows.Keys.Contains(v.Id)).Select(v => new { v.Id, v.Title, v.Status }).ToListAsync(ct);
        var posters = await PostersAsync(db, awaiting.Select(a => a.Id).Concat(mirrored.Select(m => m.Id)).Distinct().ToList(), ct);
        var next = table.LastUsedRow + 1;
        foreach (var video in mirrored.Concat(awaiting.Where(a => !rows.ContainsKey(a.Id))).DistinctBy(v => v.Id))
        {
            var index = rows.TryGetValue(video.Id, out var i) ? i : (int?)null;
            var sheetRow = index is { } r ? SheetTable.SheetRow(r) : next++;
            string Current(string column) => index is { } r2 ? table.Text(r2, column) : "";
            outcome.Write(table, "video", sheetRow, Current("video"), video.Id.ToString());
            outcome.Write(table, "title", sheetRow, Current("title"), video.Title);
            outcome.Write(table, "studio", sheetRow, Current("studio"), StudioLink(video.Id));
            outcome.Write(table, "poster", sheetRow, Current("poster"), posters.TryGetValue(video.Id, out var poster) ? StudioPath($"/media/{poster}") : "");
            outcome.Write(table, "status", sheetRow, Current("status"), Describe(video.Status));
        }
    }

    /// <summary>A decision from the sheet, under the studio's rules: the named account must exist, be active and review.</summary>
    private async Task<string> DecideAsync(ViralForgeDbContext db, Guid videoId, string decision, string reason, string reviewer, CancellationToken ct)
    {
        if (decision is not ("approve" or "approved" or "reject" or "rejected"))
        {
            return $"Refused: write approve or reject in “decision”, not “{Trends.TrendText.Clean(decision, 30)}”.";
        }
        if (reviewer.Length == 0)
        {
            return "Refused: name your studio account (its email) in “reviewer”.";
        }
        var normalized = reviewer.ToUpperInvariant();
        var user = await db.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalized || u.NormalizedUserName == normalized)
            .Select(u => new { u.Id, u.Email, u.LockoutEnd }).FirstOrDefaultAsync(ct);
        if (user is null)
        {
            return $"Refused: there is no studio account “{Trends.TrendText.Clean(reviewer, 80)}”.";
        }
        if (user.LockoutEnd > time.GetUtcNow())
        {
            return $"Refused: the account {user.Email} is disabled.";
        }
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == user.Id select r.Name).ToListAsync(ct);
        if (!roles.Any(r => r is "reviewer" or "admin"))
        {
            return $"Refused: {user.Email} is not a reviewer; only reviewers decide.";
        }
        var actor = Security.StudioActor.System($"{user.Email} (from the sheet)", Security.Roles.Reviewer);
        try
        {
            if (decision.StartsWith("approve", StringComparison.Ordinal))
            {
                await commands.ApproveAsync(videoId, actor, await PlanAsync(db, videoId, ct), ct);
                return $"Applied: approved by {user.Email} at {time.GetUtcNow():yyyy-MM-dd HH:mm} UTC.";
            }
            await commands.RejectAsync(videoId, actor, reason, ct);
            return $"Applied: rejected by {user.Email} at {time.GetUtcNow():yyyy-MM-dd HH:mm} UTC.";
        }
        catch (PipelineCommandException ex)
        {
            return "Refused: " + ex.Message;
        }
    }

    /// <summary>The channel the brief's row named, if any; otherwise the default channels.</summary>
    private static async Task<Publishing.PublishPlan?> PlanAsync(ViralForgeDbContext db, Guid videoId, CancellationToken ct)
    {
        var json = await db.Videos.AsNoTracking().Where(v => v.Id == videoId).Select(v => v.ParametersJson).SingleAsync(ct);
        var channels = (JsonNode.Parse(json)?[ChannelsParameter]?["channels"] as JsonArray)?.Select(n => (int?)n).OfType<int>().ToList();
        return channels is { Count: > 0 } ? new Publishing.PublishPlan(channels) : null;
    }

    private static async Task<Dictionary<Guid, Guid>> PostersAsync(ViralForgeDbContext db, List<Guid> videoIds, CancellationToken ct)
    {
        var outputs = (await db.StageRuns.AsNoTracking()
                .Where(r => videoIds.Contains(r.VideoId) && r.Stage == StageKind.Compose && r.SupersededAt == null && r.Status == StageRunStatus.Succeeded)
                .Select(r => r.OutputArtifactIds).ToListAsync(ct))
            .SelectMany(ids => ids).ToList();
        return (await db.Artifacts.AsNoTracking().Where(a => outputs.Contains(a.Id) && a.Kind == "poster").Select(a => new { a.VideoId, a.Id }).ToListAsync(ct))
            .GroupBy(p => p.VideoId).ToDictionary(g => g.Key, g => g.First().Id);
    }

    private string StudioLink(Guid videoId) => StudioPath($"/videos/{videoId}");

    private string StudioPath(string path) =>
        string.IsNullOrWhiteSpace(publishing.Value.PublicBaseUrl) ? path : publishing.Value.PublicBaseUrl.TrimEnd('/') + path;

    private static string Describe(VideoStatus status) => status switch
    {
        VideoStatus.ScriptDraft => "script to check",
        VideoStatus.InProgress => "in progress",
        VideoStatus.AwaitingReview => "awaiting review",
        _ => status.ToString().ToLowerInvariant(),
    };

    private async Task RecordAsync(Outcome? outcome, string? error, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var state = await db.SheetSyncState.SingleOrDefaultAsync(s => s.Id == 1, ct) ?? db.SheetSyncState.Add(new SheetSyncState()).Entity;
        var now = time.GetUtcNow();
        if (outcome is not null)
        {
            state.RowsRead = outcome.Read;
            state.RowsRefused = outcome.Refused;
            state.DraftsMade += outcome.Drafts;
            state.DecisionsApplied += outcome.Decisions;
        }
        if (error is null)
        {
            state.LastSuccessAt = now;
            state.Failures = 0;
            state.CellsWritten = outcome?.Writes.Count ?? 0;
        }
        else
        {
            state.LastErrorAt = now;
            state.LastError = error.Length <= 1000 ? error : error[..1000];
            state.Failures++;
            log.LogWarning("The Sheets sync failed ({Failures} in a row): {Error}", state.Failures, state.LastError);
        }
        await db.SaveChangesAsync(CancellationToken.None);
    }
}
