using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage;
using ViralForge.Core.Pipeline;

namespace ViralForge.Web.Extensions;

public sealed class WorkerOptions
{
    public const string Section = "Workers";

    /// <summary>False on a web-only node: it serves the studio and enqueues, other nodes do the work.</summary>
    public bool Enabled { get; set; } = true;
    public int Gpu { get; set; } = 1;
    public int Media { get; set; } = 2;
    public int Default { get; set; } = 4;
    /// <summary>Trend fetches and other calls nobody waits on.</summary>
    public int Outside { get; set; } = 2;
}

public static class HangfireSetup
{
    public static IServiceCollection AddViralForgeHangfire(this IServiceCollection services, IConfiguration configuration, string connectionString, NodeRole? role = null)
    {
        role ??= NodeRole.From(configuration);
        services.AddHangfire(cfg => cfg
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(connectionString), new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                PrepareSchemaIfNecessary = true,
                // LISTEN/NOTIFY wake-ups plus a short poll: stage pickup well under a second.
                EnableLongPolling = true,
                QueuePollInterval = TimeSpan.FromMilliseconds(500),
                // A crashed worker's job becomes visible again after this; running jobs keep extending it.
                InvisibilityTimeout = TimeSpan.FromMinutes(2),
                UseSlidingInvisibilityTimeout = true,
                // Also how long a lock a killed process held (the recurring-job scheduler's, taken every
                // second) blocks the others: the stage dispatchers find its lost runs only after that.
                DistributedLockTimeout = TimeSpan.FromSeconds(10),
            }));

        var workers = configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        if (!workers.Enabled)
        {
            return services;
        }
        // One server per queue family, so a long GPU job never starves the light work; only the
        // families this process serves (all, unless --queues names some). The first one also runs the
        // recurring and delayed schedulers and the storage upkeep; the others are workers only, so a
        // process polls for those once, not once per family.
        var first = true;
        foreach (var (queue, count) in new[] { (Queues.Gpu, workers.Gpu), (Queues.Media, workers.Media), (Queues.Default, workers.Default), (Queues.Outside, workers.Outside) })
        {
            if (role.Serves(queue) && count > 0)
            {
                AddServer(services, queue, [queue], count, lightweight: !first);
                first = false;
            }
        }
        return services;
    }

    private static void AddServer(IServiceCollection services, string name, string[] queues, int workers, bool lightweight)
    {
        services.AddHangfireServer(o =>
        {
            o.ServerName = $"{NodeIdentity.Name}:{name}";
            o.Queues = queues;
            o.WorkerCount = workers;
            o.IsLightweightServer = lightweight;
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            o.ShutdownTimeout = TimeSpan.FromSeconds(30);
        });
    }
}

/// <summary>The per-stage recurring dispatchers, which admins can pause, resume or trigger.</summary>
public sealed class DispatcherControl(IRecurringJobManager recurring, JobStorage storage, Microsoft.Extensions.Options.IOptions<PipelineOptions> options,
    Microsoft.Extensions.Options.IOptions<ViralForge.Core.Trends.TrendOptions> trends,
    Microsoft.Extensions.Options.IOptions<ViralForge.Core.Sheets.SheetsOptions> sheets)
{
    private const string PausedHash = "viralforge:dispatchers:paused";

    public sealed record DispatcherState(StageKind Stage, string JobId, bool Paused, DateTime? LastRun, DateTime? NextRun, string? LastState);

    public void RegisterAll()
    {
        recurring.AddOrUpdate<ViralForge.Core.Trends.TrendDispatcher>(
            ViralForge.Core.Trends.TrendDispatcher.RecurringJobId,
            Queues.Default,
            d => d.DispatchAsync(CancellationToken.None),
            $"*/{trends.Value.DispatchEverySeconds} * * * * *");
        if (sheets.Value.IsConfigured)
        {
            var minutes = sheets.Value.SyncEveryMinutes;
            recurring.AddOrUpdate<ViralForge.Core.Sheets.SheetSync>(ViralForge.Core.Sheets.SheetSync.RecurringJobId, Queues.Outside,
                s => s.SyncAsync(CancellationToken.None), minutes < 60 ? $"*/{minutes} * * * *" : $"0 */{Math.Max(1, minutes / 60)} * * *");
        }
        else
        {
            recurring.RemoveIfExists(ViralForge.Core.Sheets.SheetSync.RecurringJobId);
        }
        // Hourly: files of runs superseded longer ago than the admin's retention are freed.
        recurring.AddOrUpdate<ViralForge.Core.Storage.ArtifactCollector>("collect-artifacts", Queues.Default,
            c => c.CollectScheduledAsync(CancellationToken.None), "17 * * * *");
        // Webhook deliveries due for a (re)try; a new notification wakes the deliverer at once as well.
        recurring.AddOrUpdate<ViralForge.Core.Notifications.Webhooks.WebhookDeliverer>(ViralForge.Core.Notifications.Webhooks.WebhookDeliverer.RecurringJobId,
            Queues.Outside, d => d.DeliverDueAsync(CancellationToken.None), "*/15 * * * * *");
        var paused = Paused();
        foreach (var node in StageGraph.Nodes)
        {
            if (!paused.Contains(node.Stage.ToString()))
            {
                Register(node.Stage);
            }
        }
    }

    public void Pause(StageKind stage)
    {
        using var connection = storage.GetConnection();
        connection.SetRangeInHash(PausedHash, [new(stage.ToString(), "1")]);
        recurring.RemoveIfExists(StageDispatcher.RecurringJobId(stage));
    }

    public void Resume(StageKind stage)
    {
        using (var connection = storage.GetConnection())
        using (var tx = connection.CreateWriteTransaction())
        {
            tx.RemoveHash(PausedHash);
            foreach (var other in Paused().Where(s => s != stage.ToString()))
            {
                tx.SetRangeInHash(PausedHash, [new(other, "1")]);
            }
            tx.Commit();
        }
        Register(stage);
    }

    public void Trigger(StageKind stage)
    {
        if (Paused().Contains(stage.ToString()))
        {
            BackgroundJob.Enqueue<StageDispatcher>(Queues.Default, d => d.DispatchAsync(stage, CancellationToken.None));
            return;
        }
        recurring.Trigger(StageDispatcher.RecurringJobId(stage));
    }

    public IReadOnlyList<DispatcherState> List()
    {
        var paused = Paused();
        using var connection = storage.GetConnection();
        var jobs = connection.GetRecurringJobs().ToDictionary(j => j.Id);
        return StageGraph.Nodes.Select(n =>
        {
            var id = StageDispatcher.RecurringJobId(n.Stage);
            jobs.TryGetValue(id, out var job);
            return new DispatcherState(n.Stage, id, paused.Contains(n.Stage.ToString()), job?.LastExecution, job?.NextExecution, job?.LastJobState);
        }).ToList();
    }

    private void Register(StageKind stage) =>
        recurring.AddOrUpdate<StageDispatcher>(
            StageDispatcher.RecurringJobId(stage),
            Queues.Default,
            d => d.DispatchAsync(stage, CancellationToken.None),
            $"*/{options.Value.DispatchEverySeconds} * * * * *");

    private HashSet<string> Paused()
    {
        using var connection = storage.GetConnection();
        return (connection.GetAllEntriesFromHash(PausedHash) ?? new Dictionary<string, string>()).Keys.ToHashSet();
    }
}

/// <summary>
/// Registers the dispatchers after start-up, retrying: a process killed while Hangfire held a
/// recurring job's lock leaves that lock until it expires, and a restart must not fail on it (the
/// dispatchers it registered are still in storage and keep running meanwhile).
/// </summary>
public sealed class DispatcherRegistration(DispatcherControl dispatchers, ILogger<DispatcherRegistration> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                dispatchers.RegisterAll();
                return;
            }
            catch (Exception ex) when (ex is Hangfire.Storage.DistributedLockTimeoutException or Hangfire.PostgreSql.PostgreSqlDistributedLockException or Npgsql.NpgsqlException)
            {
                log.LogWarning("Registering the stage dispatchers failed (attempt {Attempt}: {Message}); trying again shortly.", attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 2 * attempt)), stoppingToken);
            }
        }
    }
}
