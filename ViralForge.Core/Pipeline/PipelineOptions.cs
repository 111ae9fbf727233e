using System.ComponentModel.DataAnnotations;

namespace ViralForge.Core.Pipeline;

public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Attempts per stage run before it is dead-lettered (transient failures only).</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 4;

    [Range(0.01, 600)]
    public double RetryBaseDelaySeconds { get; set; } = 2;

    [Range(0.1, 3600)]
    public double RetryMaxDelaySeconds { get; set; } = 60;

    [Range(0.2, 60)]
    public double HeartbeatSeconds { get; set; } = 3;

    /// <summary>A running stage whose heartbeat is older than this is treated as lost and re-run.</summary>
    [Range(1, 3600)]
    public double LostAfterSeconds { get; set; } = 15;

    /// <summary>How often each stage's dispatcher sweeps PostgreSQL for due or lost runs.</summary>
    [Range(1, 59)]
    public int DispatchEverySeconds { get; set; } = 5;

    [Range(1, 7200)]
    public double StageTimeoutSeconds { get; set; } = 1800;

    /// <summary>
    /// Fault injection for resilience tests and drills, keyed by stage name:
    /// "delay:SECONDS", "fail-transient" or "fail-permanent". Empty in production.
    /// </summary>
    public Dictionary<string, string> FaultInjection { get; set; } = [];

    /// <summary>Nobody approves a video they started (off by default: a one-person studio could never publish).</summary>
    public bool FourEyes { get; set; }
}

public sealed class StorageOptions
{
    public const string Section = "Storage";

    [Required]
    public string ArtifactsPath { get; set; } = ".data/artifacts";

    [Required]
    public string OutboxPath { get; set; } = ".data/outbox";

    [Required]
    public string WorkPath { get; set; } = ".data/work";

    /// <summary>The free-space floor until an admin sets one on the Storage page.</summary>
    [Range(0, 10_000_000)]
    public long MinFreeMegabytes { get; set; } = 1024;

    /// <summary>How long superseded runs' files are kept until an admin sets it on the Storage page.</summary>
    [Range(0, 3650)]
    public double RetentionDays { get; set; } = 14;

    /// <summary>What each uploader's files may take (0: no limit) until an admin sets it on the Storage page.</summary>
    [Range(0, 10_000_000)]
    public long UploadQuotaMegabytes { get; set; } = 4096;

    /// <summary>Where stored files are kept for good: "local" (ArtifactsPath, one machine) or "s3" (any S3-compatible store).</summary>
    [RegularExpression("^(local|s3)$", ErrorMessage = "Storage:Backend is 'local' or 's3'.")]
    public string Backend { get; set; } = "local";

    public Storage.S3StorageOptions S3 { get; set; } = new();

    /// <summary>With a remote backend: this machine's copies of stored files, and how much they may take.</summary>
    [Required]
    public string CachePath { get; set; } = ".data/cache";

    [Range(64, 10_000_000)]
    public long CacheMegabytes { get; set; } = 20_480;
}

public sealed class MediaOptions
{
    public const string Section = "Media";

    public string FfmpegPath { get; set; } = "ffmpeg";
    public string FfprobePath { get; set; } = "ffprobe";
    public string EspeakPath { get; set; } = "espeak-ng";
    public string FontFile { get; set; } = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

    /// <summary>auto (h264_nvenc when it works, else libx264), or libx264.</summary>
    [RegularExpression("^(auto|libx264)$")]
    public string Encoder { get; set; } = "auto";

    /// <summary>Background music tracks (any audio format ffmpeg reads); one is mixed under each video.</summary>
    public string MusicPath { get; set; } = ".data/music";

    /// <summary>Piper voices: each an .onnx model beside its .onnx.json, listed automatically.</summary>
    public string VoicesPath { get; set; } = ".data/voices";

    /// <summary>Narration candidates synthesised and scored per scene (a run's "candidates" parameter overrides it).</summary>
    [Range(1, 5)]
    public int NarrationCandidates { get; set; } = 3;

    /// <summary>Every narration is brought to this integrated loudness before the mix.</summary>
    [Range(-30, -10)]
    public double NarrationLoudnessLufs { get; set; } = -18;

    /// <summary>libx264 preset; slower presets give smaller files at the same quality.</summary>
    public string X264Preset { get; set; } = "veryfast";

    /// <summary>
    /// libx264 preset for scene clips, which the final encode reads once and encodes again: a fast preset
    /// at the same CRF costs bigger files, not quality (the final cut's SSIM is the same or higher).
    /// </summary>
    public string IntermediateX264Preset { get; set; } = "ultrafast";

    [Range(0, 51)]
    public int Crf { get; set; } = 20;

    [Range(1, 3600)]
    public int ProcessTimeoutSeconds { get; set; } = 600;
}
