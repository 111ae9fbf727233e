using ViralForge.Core.Media;
using ViralForge.Core.Outside;
using ViralForge.Core.Pipeline;

namespace ViralForge.Core.Clips.Stock;

/// <summary>A stock file (footage or photo) fetched through the shared per-host limiter.</summary>
public static class StockDownload
{
    /// <summary>Downloads one stock file, capped in size and time; what cannot be used is a <see cref="MediaRejectedException"/> with the reason.</summary>
    public static async Task ToFileAsync(IHttpClientFactory httpFactory, StockOptions o, string provider, string url, long? announcedBytes, string path, CancellationToken ct)
    {
        if (announcedBytes > o.MaxDownloadBytes)
        {
            throw new MediaRejectedException($"the file is {announcedBytes / 1_000_000.0:0} MB, more than the {o.MaxDownloadBytes / 1_000_000.0:0} MB allowed (Stock:MaxDownloadBytes)");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(o.DownloadTimeoutSeconds));
        try
        {
            using var response = await httpFactory.CreateClient(StockSearch.HttpClientName).GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new MediaRejectedException($"the download was refused ({(int)response.StatusCode})");
            }
            if (response.Content.Headers.ContentLength > o.MaxDownloadBytes)
            {
                throw new MediaRejectedException($"the file is {response.Content.Headers.ContentLength / 1_000_000.0:0} MB, more than the {o.MaxDownloadBytes / 1_000_000.0:0} MB allowed (Stock:MaxDownloadBytes)");
            }
            await using var source = await response.Content.ReadAsStreamAsync(timeout.Token);
            await using var target = File.Create(path);
            var buffer = new byte[1 << 16];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, timeout.Token)) > 0)
            {
                total += read;
                if (total > o.MaxDownloadBytes)
                {
                    throw new MediaRejectedException($"the file is larger than the {o.MaxDownloadBytes / 1_000_000.0:0} MB allowed (Stock:MaxDownloadBytes)");
                }
                await target.WriteAsync(buffer.AsMemory(0, read), timeout.Token);
            }
            if (response.Content.Headers.ContentLength is { } expected && total != expected)
            {
                throw new MediaRejectedException($"the download broke off after {total:N0} of {expected:N0} bytes");
            }
        }
        catch (HostRateLimitedException ex)
        {
            throw new TransientStageException($"{provider}'s file host is resting: {ex.Message}", ex);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new MediaRejectedException($"the download took longer than {o.DownloadTimeoutSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            throw new MediaRejectedException($"the download failed ({ex.HttpRequestError})");
        }
    }
}
