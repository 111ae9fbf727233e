using Microsoft.AspNetCore.Identity;

namespace ViralForge.Core.Data;

public sealed class AppUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    /// <summary>Set by an admin: the user cannot sign in, their sessions end and the API keys they issued stop.</summary>
    public DateTimeOffset? DisabledAt { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }
}

public enum VideoStatus
{
    InProgress,
    AwaitingReview,
    Approved,
    Rejected,
    Published,
    Failed,
    /// <summary>The model wrote a script; the creator checks or edits it before the other stages run.</summary>
    ScriptDraft,
}

public sealed class Video
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Title { get; set; }
    public string Brief { get; set; } = "";
    /// <summary>The validated script (see <see cref="Script.ScriptDocument"/>), as JSON; null until the Script stage has written it from a brief.</summary>
    public string? ScriptJson { get; set; }
    /// <summary>Per-stage default parameters, a JSON object keyed by stage name.</summary>
    public string ParametersJson { get; set; } = "{}";
    public VideoStatus Status { get; set; }
    public string? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? PublishedAt { get; set; }
    public string? PublishedLocation { get; set; }
    /// <summary>The trend the video was made from, if any (its numbers can then be read per source).</summary>
    public long? TrendItemId { get; set; }
    /// <summary>Done with: hidden from the board, its intermediate files freed by the collector, only the cut kept.</summary>
    public DateTimeOffset? ArchivedAt { get; set; }
    /// <summary>Deleted by an admin: gone from every page and the API, every file freed; the rows stay for the audit.</summary>
    public DateTimeOffset? DeletedAt { get; set; }
    public List<StageRun> StageRuns { get; set; } = [];
}

public enum StageRunStatus
{
    Queued,
    Running,
    RetryWaiting,
    Succeeded,
    /// <summary>Waiting for a person (the review stage).</summary>
    Waiting,
    Rejected,
    DeadLettered,
    /// <summary>Superseded by a retry or regeneration before it finished: it will never run (again).</summary>
    Cancelled,
}

public sealed class StageRun
{
    public long Id { get; set; }
    public Guid VideoId { get; set; }
    public Video? Video { get; set; }
    public Pipeline.StageKind Stage { get; set; }
    /// <summary>Null for a stage that works on the whole video.</summary>
    public int? SceneIndex { get; set; }
    public int Attempt { get; set; }
    public StageRunStatus Status { get; set; }
    public string? InputHash { get; set; }
    public string ParametersJson { get; set; } = "{}";
    public List<Guid> OutputArtifactIds { get; set; } = [];
    public string? Error { get; set; }
    /// <summary>Why the run's result was taken from an earlier identical run, when it was.</summary>
    public long? ReusedFromRunId { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset QueuedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? NotBefore { get; set; }
    public DateTimeOffset? EnqueuedAt { get; set; }
    public string? JobId { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? HeartbeatAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public string? Worker { get; set; }
    public Guid? LeaseId { get; set; }
    /// <summary>Set when a retry or regeneration replaced this run; superseded runs are history.</summary>
    public DateTimeOffset? SupersededAt { get; set; }
    public string? LogTail { get; set; }
}

public sealed class Artifact
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid VideoId { get; set; }
    public required string Kind { get; set; }
    public required string StoreKey { get; set; }
    public required string ContentType { get; set; }
    public required string Sha256 { get; set; }
    public long Bytes { get; set; }
    public string? MediaInfoJson { get; set; }
    /// <summary>Who uploaded it (a person's name or an API key's), for the upload quota; null for files the studio made.</summary>
    public string? UploadedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

public sealed class PromptTemplate
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string Purpose { get; set; } = "";
    public int? ActiveVersionId { get; set; }
    public List<PromptVersion> Versions { get; set; } = [];
}

/// <summary>One saved state of a prompt template; never edited after it is saved.</summary>
public sealed class PromptVersion
{
    public int Id { get; set; }
    public int TemplateId { get; set; }
    public int Number { get; set; }
    /// <summary>Role and persona: the system message.</summary>
    public string Persona { get; set; } = "";
    /// <summary>The task, with {{variables}}: the user message.</summary>
    public required string Body { get; set; }
    /// <summary>Rules the script must follow, one per line.</summary>
    public string Constraints { get; set; } = "";
    /// <summary>Few-shot examples: a JSON array of {topic, tone, seconds, language, script}.</summary>
    public string ExamplesJson { get; set; } = "[]";
    /// <summary>Phrases a script must not contain, one per line.</summary>
    public string BannedPhrases { get; set; } = "";
    /// <summary>What changed and why.</summary>
    public string Note { get; set; } = "";
    public string? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}

public enum PromptTestStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>An admin's trial of a prompt version on a topic; run as a background job, never in a page.</summary>
public sealed class PromptTestRun
{
    public long Id { get; set; }
    public int VersionId { get; set; }
    public required string RequestJson { get; set; }
    public PromptTestStatus Status { get; set; }
    public string? ResultJson { get; set; }
    public string? Error { get; set; }
    public string? RequestedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? FinishedAt { get; set; }
}

public sealed class Pronunciation
{
    public int Id { get; set; }
    public required string Term { get; set; }
    public required string SaysAs { get; set; }
    public bool IsPhonemes { get; set; }
    public string Language { get; set; } = "en";
    public bool CaseSensitive { get; set; }
    public bool WholeWord { get; set; } = true;
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
}

/// <summary>One outside host's shared token bucket and circuit breaker (see <see cref="Outside.HostRateLimiter"/>).</summary>
public sealed class RateLimitBucket
{
    public required string Key { get; set; }
    public double Tokens { get; set; }
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    /// <summary>No call before this: the host said so (Retry-After, a spent X-RateLimit window) or the breaker is open.</summary>
    public DateTimeOffset? OpenUntil { get; set; }
    /// <summary>Failures in a row (5xx, 429, network); the breaker opens at the configured count.</summary>
    public int Failures { get; set; }
    /// <summary>The last thing that slowed or stopped calls, in words, for the admin.</summary>
    public string? LastEvent { get; set; }
}

public enum ReviewOutcome
{
    Approved,
    Rejected,
}

public sealed class ReviewDecision
{
    public long Id { get; set; }
    public Guid VideoId { get; set; }
    public ReviewOutcome Outcome { get; set; }
    public string? Reason { get; set; }
    public required string Reviewer { get; set; }
    public DateTimeOffset DecidedAt { get; set; } = DateTimeOffset.UtcNow;
}

public sealed class AuditEntry
{
    public long Id { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? Subject { get; set; }
    public string? DetailsJson { get; set; }
    public DateTimeOffset At { get; set; } = DateTimeOffset.UtcNow;
}

public sealed class ApiKey
{
    public int Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The first characters of the key, shown so people can tell keys apart.</summary>
    public required string Prefix { get; set; }
    /// <summary>SHA-256 of the whole key; the key itself is shown once and never stored.</summary>
    public required string KeyHash { get; set; }
    public required string Role { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}
