using System.ComponentModel.DataAnnotations;

namespace ViralForge.Core.Storage;

/// <summary>Storage:S3 — an S3-compatible bucket (AWS S3, MinIO, Ceph, R2…) for the artifacts.</summary>
public sealed class S3StorageOptions
{
    /// <summary>The store's address (MinIO, R2…); empty for AWS itself, which the region picks.</summary>
    public string? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string Bucket { get; set; } = "";

    /// <summary>Create the bucket at start-up when it is not there (a fresh MinIO, say).</summary>
    public bool CreateBucket { get; set; } = true;

    /// <summary>Empty: the SDK's usual credential chain (environment, profile, instance role).</summary>
    public string? AccessKeyId { get; set; }

    public string? SecretAccessKey { get; set; }

    /// <summary>bucket in the path (MinIO, s3rver, most self-hosted stores) instead of the host name.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>
    /// True when browsers can reach the store: previews are then read from presigned addresses. False:
    /// the studio streams them from its own copy.
    /// </summary>
    public bool BrowserReachable { get; set; }

    /// <summary>Files above this go up in parts (each retried on its own).</summary>
    [Range(5, 5000)]
    public int MultipartThresholdMegabytes { get; set; } = 64;

    /// <summary>S3 wants parts of at least 5 MiB (but the last).</summary>
    [Range(5, 5000)]
    public int PartSizeMegabytes { get; set; } = 16;

    /// <summary>How long one request may take before it is retried.</summary>
    [Range(1, 3600)]
    public int RequestTimeoutSeconds { get; set; } = 120;
}
