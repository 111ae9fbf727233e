using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ViralForge.Core.Data;

namespace ViralForge.Core.Pipeline;

/// <summary>One running process of the build (a studio or a headless worker), as it last reported itself.</summary>
public sealed class WorkerNode
{
    /// <summary>"machine:pid", the same name stage runs record in their worker column.</summary>
    public required string Name { get; set; }
    public required string Role { get; set; }
    public List<string> Queues { get; set; } = [];
    /// <summary>The ONNX execution provider in use and the device, or why GPU work is not taken.</summary>
    public string Gpu { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastBeatAt { get; set; }
    public DateTimeOffset? StoppedAt { get; set; }
}

internal sealed class WorkerNodeConfiguration : IEntityTypeConfiguration<WorkerNode>
{
    public void Configure(EntityTypeBuilder<WorkerNode> e)
    {
        e.ToTable("worker_nodes");
        e.HasKey(w => w.Name);
        e.Property(w => w.Name).HasMaxLength(200);
        e.Property(w => w.Role).HasMaxLength(20);
        e.Property(w => w.Gpu).HasMaxLength(500);
    }
}

/// <summary>What this process is: its role, the queues it serves and its GPU, set once at start-up.</summary>
public sealed record NodeIdentity(string Role, IReadOnlyList<string> Queues, Func<string> DescribeGpu)
{
    public static string Name { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";
}

public sealed record WorkerView(string Name, string Role, IReadOnlyList<string> Queues, string Gpu, DateTimeOffset StartedAt, DateTimeOffset LastBeatAt,
    DateTimeOffset? StoppedAt, bool Alive, IReadOnlyList<string> Running);

/// <summary>
/// Every process reports itself every ten seconds, so the GPU and Queues pages list each worker (its
/// machine, queues, GPU, what it runs now and when it last answered) whichever machine it is on.
/// </summary>
public sealed class WorkerRegistry(IDbContextFactory<ViralForgeDbContext> dbFactory, NodeIdentity identity, TimeProvider time, ILogger<WorkerRegistry> log) : BackgroundService
{
    public static readonly TimeSpan Beat = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReportAsync(started, null, stoppingToken);
            }
            catch (Exception ex) when (ex is DbUpdateException or Npgsql.NpgsqlException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                log.LogWarning("Could not report this worker: {Message}", ex.Message);
            }
            try
            {
                await Task.Delay(Beat, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await ReportAsync(null, time.GetUtcNow(), cancellationToken);
        }
        catch (Exception ex) when (ex is DbUpdateException or Npgsql.NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            // Stopping anyway: the page shows it as lost once its beat is old.
        }
    }

    private async Task ReportAsync(DateTimeOffset? started, DateTimeOffset? stopped, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var row = await db.Set<WorkerNode>().SingleOrDefaultAsync(w => w.Name == NodeIdentity.Name, ct);
        if (row is null)
        {
            row = new WorkerNode { Name = NodeIdentity.Name, Role = identity.Role, StartedAt = started ?? now };
            db.Add(row);
        }
        (row.Role, row.Queues, row.Gpu, row.LastBeatAt, row.StoppedAt) = (identity.Role, identity.Queues.ToList(), identity.DescribeGpu(), now, stopped);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Workers seen in the last day, with the runs each holds now.</summary>
    public static async Task<IReadOnlyList<WorkerView>> ListAsync(ViralForgeDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        var since = now.AddDays(-1);
        var nodes = await db.Set<WorkerNode>().AsNoTracking().Where(w => w.LastBeatAt > since).OrderBy(w => w.Name).ToListAsync(ct);
        var names = nodes.Select(n => n.Name).ToList();
        var running = await db.StageRuns.AsNoTracking()
            .Where(r => r.Status == StageRunStatus.Running && r.Worker != null && names.Contains(r.Worker))
            .Select(r => new { r.Worker, r.Id, r.Stage, r.SceneIndex })
            .ToListAsync(ct);
        var lostAfter = Beat * 3;
        return nodes.Select(n => new WorkerView(n.Name, n.Role, n.Queues, n.Gpu, n.StartedAt, n.LastBeatAt, n.StoppedAt,
            n.StoppedAt is null && now - n.LastBeatAt < lostAfter,
            running.Where(r => r.Worker == n.Name).Select(r => $"run {r.Id}: {r.Stage}{(r.SceneIndex is { } s ? $" scene {s + 1}" : "")}").ToList())).ToList();
    }
}
