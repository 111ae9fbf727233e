using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using ViralForge.Core.Data;

namespace ViralForge.Core.Events;

/// <summary>Publishes a run's progress, throttled to a few events a second, with an ETA from the elapsed time.</summary>
public sealed class ProgressPublisher(NpgsqlDataSource dataSource, TimeProvider time, ILogger<ProgressPublisher> log)
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(250);

    private TimeProvider Time => time;

    public IProgress<double> For(StageRun run) => new RunProgress(this, run, time.GetUtcNow());

    public async Task PublishAsync(PipelineEvent e, CancellationToken ct = default)
    {
        try
        {
            await using var cmd = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
            cmd.Parameters.AddWithValue(PipelineNotify.Channel);
            cmd.Parameters.AddWithValue(JsonSerializer.Serialize(e, PipelineNotify.Json));
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (NpgsqlException ex)
        {
            // Progress is best effort; state changes travel with their transactions.
            log.LogDebug("Progress event dropped: {Message}", ex.Message);
        }
    }

    private sealed class RunProgress(ProgressPublisher owner, StageRun run, DateTimeOffset started) : IProgress<double>, Pipeline.IDetailedProgress
    {
        private long _lastTicks;
        private string? _message;

        public void Report(double fraction, string message, bool newPhase)
        {
            _message = message;
            if (newPhase)
            {
                Interlocked.Exchange(ref _lastTicks, 0);
            }
            Report(fraction);
        }

        public void Report(double value)
        {
            var now = owner.Time.GetUtcNow();
            var last = Interlocked.Read(ref _lastTicks);
            if (value < 1 && now.UtcTicks - last < MinInterval.Ticks)
            {
                return;
            }
            Interlocked.Exchange(ref _lastTicks, now.UtcTicks);
            var elapsed = (now - started).TotalSeconds;
            double? eta = value > 0.02 ? elapsed * (1 - value) / value : null;
            _ = owner.PublishAsync(new PipelineEvent(run.VideoId, run.Id, run.Stage.ToString(), run.SceneIndex, "Running", value, _message, eta));
        }
    }
}
