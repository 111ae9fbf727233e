using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace ViralForge.Core.Storage;

/// <summary>
/// Stored files in an S3-compatible bucket through AWSSDK.S3. Every upload carries its Content-MD5 (per
/// part for multipart uploads), so the store refuses bytes damaged on the way; downloads are checked
/// against the content address by <see cref="ArtifactStore"/>. The SDK retries throttling and 5xx
/// answers (standard mode: capped exponential backoff with jitter); what still fails surfaces as
/// <see cref="ArtifactStoreUnavailableException"/>, which fails the run transiently.
/// </summary>
public sealed class S3ArtifactBackend : IArtifactBackend, IDisposable
{
    private readonly S3StorageOptions _options;
    private readonly AmazonS3Client _client;

    public S3ArtifactBackend(S3StorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Bucket))
        {
            throw new InvalidOperationException("Storage:Backend is 's3' but Storage:S3:Bucket is empty: name the bucket the artifacts go to.");
        }
        _options = options;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            // Trailing CRC checksums (aws-chunked bodies) are not understood by every S3-compatible store;
            // Content-MD5 and the content address protect the bytes instead.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = 4,
            Timeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds),
        };
        if (string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }
        _client = string.IsNullOrEmpty(options.AccessKeyId)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey), config);
    }

    public string Describe => $"the S3 bucket '{_options.Bucket}'{(string.IsNullOrWhiteSpace(_options.ServiceUrl) ? $" ({_options.Region})" : $" at {_options.ServiceUrl}")}";

    public bool IsRemote => true;

    /// <summary>Creates the bucket when it is missing and the configuration allows; says plainly when it cannot.</summary>
    public Task EnsureBucketAsync(CancellationToken ct) =>
        CallAsync("looking for its bucket", async () =>
        {
            if (await Amazon.S3.Util.AmazonS3Util.DoesS3BucketExistV2Async(_client, _options.Bucket))
            {
                return true;
            }
            if (!_options.CreateBucket)
            {
                throw new ArtifactStoreUnavailableException($"{Describe} does not exist; create it or set Storage:S3:CreateBucket=true.");
            }
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = _options.Bucket }, ct);
            return true;
        }, ct);

    public async Task PutAsync(string key, string localFile, string contentType, CancellationToken ct)
    {
        var length = new FileInfo(localFile).Length;
        await CallAsync($"storing {key}", async () =>
        {
            if (length <= _options.MultipartThresholdMegabytes * 1024L * 1024)
            {
                await _client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = _options.Bucket,
                    Key = key,
                    FilePath = localFile,
                    ContentType = contentType,
                    MD5Digest = await Md5Async(localFile, 0, length, ct),
                    UseChunkEncoding = false,
                }, ct);
            }
            else
            {
                await PutInPartsAsync(key, localFile, length, contentType, ct);
            }
            // Not every S3-compatible store checks Content-MD5: at least the size must be what was sent.
            var stored = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = key }, ct);
            if (stored.ContentLength != length)
            {
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = key }, ct);
                throw new ArtifactStoreUnavailableException($"{Describe} kept {stored.ContentLength} bytes of the {length} sent for {key}; the object was removed and the run tries again.");
            }
            return true;
        }, ct);
    }

    private async Task PutInPartsAsync(string key, string localFile, long length, string contentType, CancellationToken ct)
    {
        var started = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            ContentType = contentType,
        }, ct);
        try
        {
            var partSize = _options.PartSizeMegabytes * 1024L * 1024;
            var parts = new List<PartETag>();
            for (var (number, offset) = (1, 0L); offset < length; number++, offset += partSize)
            {
                var size = Math.Min(partSize, length - offset);
                var part = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = key,
                    UploadId = started.UploadId,
                    PartNumber = number,
                    FilePath = localFile,
                    FilePosition = offset,
                    PartSize = size,
                    MD5Digest = await Md5Async(localFile, offset, size, ct),
                    IsLastPart = offset + size >= length,
                    // Signed aws-chunked bodies are stored verbatim by some S3-compatible stores (s3rver does).
                    UseChunkEncoding = false,
                }, ct);
                parts.Add(new PartETag(number, part.ETag));
            }
            await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = key,
                UploadId = started.UploadId,
                PartETags = parts,
            }, ct);
        }
        catch
        {
            // Parts of an unfinished upload cost storage until they are aborted.
            try
            {
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = key, UploadId = started.UploadId }, CancellationToken.None);
            }
            catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException)
            {
            }
            throw;
        }
    }

    public Task<long?> LengthAsync(string key, CancellationToken ct) =>
        CallAsync($"looking up {key}", async () =>
        {
            try
            {
                return (long?)(await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = key }, ct)).ContentLength;
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, ct);

    public Task<bool> ExistsAsync(string key, CancellationToken ct) =>
        CallAsync($"looking up {key}", async () =>
        {
            try
            {
                await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = key }, ct);
                return true;
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
        }, ct);

    public Task FetchAsync(string key, string targetFile, CancellationToken ct) =>
        CallAsync($"reading {key}", async () =>
        {
            try
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = key }, ct);
                await using var target = new FileStream(targetFile, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await response.ResponseStream.CopyToAsync(target, 1 << 16, ct);
                return true;
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                throw new FileNotFoundException($"{key} is not in {Describe}.", key);
            }
        }, ct);

    public Task DeleteAsync(string key, CancellationToken ct) =>
        CallAsync($"deleting {key}", async () =>
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = key }, ct);
            return true;
        }, ct);

    public async IAsyncEnumerable<StoredObject> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        string? token = null;
        do
        {
            var page = await CallAsync("listing stored files", () => _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _options.Bucket,
                Prefix = ArtifactStore.KeyPrefix + "/",
                ContinuationToken = token,
            }, ct), ct);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return new StoredObject(item.Key, item.Size ?? 0, (item.LastModified ?? DateTime.UtcNow).ToUniversalTime());
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    public async Task<Uri?> BrowserUrlAsync(string key, string contentType, TimeSpan lifetime, CancellationToken ct)
    {
        if (!_options.BrowserReachable)
        {
            return null;
        }
        var url = await _client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow + lifetime,
            Protocol = _options.ServiceUrl?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS,
            ResponseHeaderOverrides = { ContentType = contentType },
        });
        return new Uri(url);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>What the SDK still could not do after its own retries, said in words with the store's name.</summary>
    private async Task<T> CallAsync<T>(string what, Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (AmazonServiceException ex) when (!ct.IsCancellationRequested && ex.StatusCode != HttpStatusCode.NotFound)
        {
            var code = string.IsNullOrEmpty(ex.ErrorCode) ? ((int)ex.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : ex.ErrorCode;
            throw new ArtifactStoreUnavailableException($"{Describe} refused {what} ({code}: {ex.Message}).", ex);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is AmazonClientException or HttpRequestException or IOException and not FileNotFoundException)
        {
            throw new ArtifactStoreUnavailableException($"{Describe} could not be reached while {what} ({ex.Message}).", ex);
        }
    }

    private static async Task<string> Md5Async(string path, long offset, long length, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        stream.Position = offset;
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[1 << 16];
        while (length > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length)), ct);
            if (read == 0)
            {
                throw new IOException($"{path} ended before its length was read.");
            }
            md5.AppendData(buffer, 0, read);
            length -= read;
        }
        return Convert.ToBase64String(md5.GetHashAndReset());
    }
}
