using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using ViralForge.Core.Clips;
using ViralForge.Core.Composition;
using ViralForge.Core.Data;
using ViralForge.Core.Events;
using ViralForge.Core.Keyframes;
using ViralForge.Core.Media;
using ViralForge.Core.Narration;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Publishing;
using ViralForge.Core.Review;
using ViralForge.Core.Script;
using ViralForge.Core.Storage;

namespace ViralForge.Core.Extensions;

public static class CoreServiceCollectionExtensions
{
    public static IServiceCollection AddViralForgeCore(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        services.AddOptions<PipelineOptions>().Bind(configuration.GetSection(PipelineOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ClipOptions>().Bind(configuration.GetSection(ClipOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Script.Models.ScriptModelOptions>().Bind(configuration.GetSection(Script.Models.ScriptModelOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MediaOptions>().Bind(configuration.GetSection(MediaOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddNpgsqlDataSource(connectionString);
        services.AddPooledDbContextFactory<ViralForgeDbContext>(ConfigureDb(connectionString));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ViralForgeDbContext>>().CreateDbContext());

        services.AddSingleton<IArtifactBackend>(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return storage.Backend == "s3" ? new S3ArtifactBackend(storage.S3) : new LocalArtifactBackend(storage.ArtifactsPath);
        });
        services.AddSingleton<ArtifactStore>();
        services.AddSingleton<DiskGuard>();
        services.AddSingleton<Notifications.Notifier>();
        services.AddOptions<Notifications.Webhooks.WebhookOptions>().Bind(configuration.GetSection(Notifications.Webhooks.WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Notifications.Webhooks.WebhookSecrets>();
        services.AddSingleton<Notifications.Webhooks.NotificationWebhooks>();
        services.AddTransient<Notifications.Webhooks.WebhookDeliverer>();
        services.AddHttpClient(Notifications.Webhooks.WebhookDeliverer.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<Outside.HostRateLimitHandler>();
        services.AddSingleton<StorageReport>();
        services.AddSingleton<ArtifactCollector>();
        services.AddHostedService<StartupSweep>();
        services.AddHostedService<BucketSetup>();
        services.AddSingleton<Ffmpeg>();
        services.AddSingleton<MediaInspector>();
        services.AddSingleton<PronunciationService>();
        services.AddSingleton<EncoderSelector>();
        services.AddSingleton<FfmpegCapabilities>();
        services.AddHostedService(sp => sp.GetRequiredService<FfmpegCapabilities>());
        services.AddSingleton<LoudnessPass>();
        services.AddSingleton<MusicLibrary>();
        services.AddSingleton<MediaNormalizer>();
        services.AddSingleton<Uploads.SceneUploadService>();
        services.AddSingleton<Uploads.UploadQuota>();
        services.AddSingleton<PipelineScheduler>();
        services.AddSingleton<StageQueueRouter>();
        services.AddSingleton<StageEnqueuer>();
        services.AddSingleton<StageInputLoader>();
        services.AddSingleton<StageFailures>();
        services.AddSingleton<VisualSources>();
        services.AddSingleton<StageExecutor>();
        services.AddSingleton<ProgressPublisher>();
        services.AddTransient<StageJob>();
        services.AddTransient<StageDispatcher>();
        services.AddSingleton<PipelineCommands>();
        services.AddSingleton<PipelineEventBus>();
        services.AddHostedService<PipelineEventListener>();

        services.AddSingleton<Script.Models.ScriptModels>();
        services.AddSingleton<Script.Prompts.PromptLibrary>();
        services.AddSingleton<ScriptWriter>();
        services.AddSingleton<Script.Prompts.PromptTestRuns>();
        services.AddSingleton<Script.Prompts.PromptNumbers>();
        services.AddTransient<Script.Prompts.PromptTestJob>();
        services.AddSingleton<IStageHandler, ScriptStage>();
        services.AddSingleton<IStageHandler, KeyframeStage>();
        services.AddSingleton<IStageHandler, ClipStage>();
        services.AddOptions<Clips.Stock.StockOptions>().Bind(configuration.GetSection(Clips.Stock.StockOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Clips.Stock.IStockVideoProvider, Clips.Stock.PexelsVideos>();
        services.AddSingleton<Clips.Stock.IStockVideoProvider, Clips.Stock.PixabayVideos>();
        services.AddSingleton<Clips.Stock.StockClaims>();
        services.AddSingleton<Clips.Stock.StockClips>();
        services.AddSingleton<Keyframes.Stock.IStockPhotoProvider, Keyframes.Stock.PexelsPhotos>();
        services.AddSingleton<Keyframes.Stock.IStockPhotoProvider, Keyframes.Stock.PixabayPhotos>();
        services.AddSingleton<Keyframes.Stock.StockPhotoKeyframes>();
        // Searches and downloads through the shared per-host limiter; each is bounded by its own timeout.
        services.AddHttpClient(Clips.Stock.StockSearch.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan).AddHttpMessageHandler<Outside.HostRateLimitHandler>();
        // The providers' published limits are the hosts' defaults unless an admin sets others (Outside:Hosts).
        services.PostConfigure<Outside.OutsideOptions>(o =>
        {
            o.Hosts.TryAdd("api.pexels.com", new Outside.HostLimit { PerSecond = 200 / 3600.0, Burst = 20 });
            o.Hosts.TryAdd("pixabay.com", new Outside.HostLimit { PerSecond = 100 / 60.0, Burst = 20 });
        });
        services.TryAddSingleton<IVideoDiffusion, NoVideoDiffusion>();
        services.TryAddSingleton<Keyframes.Generated.ITextToImage, Keyframes.Generated.NoTextToImage>();
        services.AddSingleton<Keyframes.Generated.GeneratedKeyframes>();
        services.AddSingleton<DriftGate>();
        services.AddSingleton<CandidateChoices>();
        services.AddSingleton<IStageHandler, NarrationStage>();
        services.AddOptions<Narration.Alignment.AlignmentOptions>().Bind(configuration.GetSection(Narration.Alignment.AlignmentOptions.Section));
        services.AddSingleton<Narration.Alignment.PocketSphinxAligner>();
        services.AddSingleton<Narration.Alignment.WhisperAligner>();
        services.AddSingleton<Narration.Alignment.IWordAligner, Narration.Alignment.WordAligners>();
        services.AddSingleton<ISpeechEngine, EspeakSpeechEngine>();
        services.AddOptions<SpeechEndpointOptions>().Bind(configuration.GetSection(SpeechEndpointOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ISpeechEngine, SpeechEndpointEngine>();
        // Each request is bounded by the engine (Speech:TimeoutSeconds); the host's limit and circuit are shared.
        services.AddHttpClient(SpeechEndpointEngine.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan).AddHttpMessageHandler<Outside.HostRateLimitHandler>();
        services.AddSingleton<VoiceCatalog>();
        services.AddSingleton<IStageHandler, ComposeStage>();
        services.AddSingleton<IStageHandler, ReviewStage>();
        services.AddSingleton<IStageHandler, PublishStage>();
        AddPublishing(services, configuration);
        AddTrends(services, configuration);
        AddSheets(services, configuration);
        return services;
    }

    private static void AddSheets(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Sheets.SheetsOptions>().Bind(configuration.GetSection(Sheets.SheetsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Sheets.SheetsClient>();
        services.AddTransient<Sheets.SheetSync>();
        services.AddHttpClient(Sheets.SheetsClient.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<Outside.HostRateLimitHandler>();
    }

    private static void AddTrends(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Trends.TrendOptions>().Bind(configuration.GetSection(Trends.TrendOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Outside.FetchCache>();
        services.AddSingleton<Trends.SourceBudget>();
        services.AddSingleton<Trends.TrendIngest>();
        services.AddSingleton<Trends.TrendQueries>();
        services.AddSingleton<Trends.TrendSourceCommands>();
        services.AddSingleton<Trends.TrendDrafts>();
        services.AddSingleton<Trends.TrendSourceHealth>();
        services.AddSingleton<Trends.Sources.ITrendReader, Trends.Sources.FeedReader>();
        services.AddSingleton<Trends.Sources.ITrendReader, Trends.Sources.RedditReader>();
        services.AddSingleton<Trends.Sources.ITrendReader, Trends.Sources.HackerNewsReader>();
        services.AddSingleton<Trends.Sources.ITrendReader, Trends.Sources.YouTubeTrendReader>();
        services.AddSingleton<Trends.Sources.ITrendReader, Trends.Sources.JsonTrendReader>();
        services.AddTransient<Trends.TrendFetcher>();
        services.AddTransient<Trends.TrendDispatcher>();
        // Each request is bounded by the fetch (Trends:RequestTimeoutSeconds); redirects are followed by the handler.
        services.AddHttpClient(Trends.TrendFetcher.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<Outside.HostRateLimitHandler>();
    }

    /// <summary>A platform's publisher and the reader of its publications' numbers (often the same class).</summary>
    private static void AddPlatform<TPublisher, TReader>(IServiceCollection services)
        where TPublisher : class, IPublisher
        where TReader : class, Publishing.Stats.IStatsReader
    {
        services.AddSingleton<TPublisher>();
        services.AddSingleton<IPublisher>(sp => sp.GetRequiredService<TPublisher>());
        services.TryAddSingleton<TReader>();
        services.AddSingleton<Publishing.Stats.IStatsReader>(sp => sp.GetRequiredService<TReader>());
    }

    private static void AddPublishing(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Outside.OutsideOptions>().Bind(configuration.GetSection(Outside.OutsideOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Outside.HostRateLimiter>();
        services.AddTransient<Outside.HostRateLimitHandler>();
        services.AddOptions<PublishingOptions>().Bind(configuration.GetSection(PublishingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ChannelSecrets>();
        services.AddSingleton<MediaLinks>();
        services.AddSingleton<OAuthClient>();
        services.AddSingleton<ChannelAccess>();
        services.AddSingleton<PublishingCommands>();
        services.AddSingleton<PublicationQueue>();
        services.AddSingleton<PublicationRunner>();
        services.AddOptions<Publishing.Duplicates.DuplicateOptions>().Bind(configuration.GetSection("Publishing:Duplicates")).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Publishing.Duplicates.VideoFingerprinter>();
        services.AddSingleton<Publishing.Duplicates.ReferenceLibrary>();
        services.AddSingleton<Publishing.Duplicates.DuplicateGate>();
        services.AddTransient<PublicationJob>();
        services.AddSingleton<IPublisher, OutboxPublisher>();
        services.AddSingleton<IPublisher, WebhookPublisher>();
        AddPlatform<Publishing.YouTube.YouTubePublisher, Publishing.YouTube.YouTubeStatsReader>(services);
        AddPlatform<Publishing.TikTok.TikTokPublisher, Publishing.TikTok.TikTokPublisher>(services);
        AddPlatform<Publishing.Instagram.InstagramPublisher, Publishing.Instagram.InstagramPublisher>(services);
        services.AddOptions<Publishing.Stats.StatsOptions>().Bind(configuration.GetSection("Publishing:Stats")).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Publishing.Stats.StatsCollector>();
        services.AddTransient<Publishing.Stats.PublicationStatsJob>();
        // Every outside call goes through the shared per-host limiter.
        services.AddHttpClient(OAuthClient.HttpClientName).AddHttpMessageHandler<Outside.HostRateLimitHandler>();
        services.AddHttpClient(WebhookPublisher.HttpClientName).AddHttpMessageHandler<Outside.HostRateLimitHandler>();
        // Uploads are long; each request is bounded by the publisher and the job's cancellation instead.
        foreach (var name in new[] { Publishing.YouTube.YouTubePublisher.HttpClientName, Publishing.TikTok.TikTokPublisher.HttpClientName, Publishing.Instagram.InstagramPublisher.HttpClientName })
        {
            services.AddHttpClient(name, c => c.Timeout = Timeout.InfiniteTimeSpan).AddHttpMessageHandler<Outside.HostRateLimitHandler>();
        }
    }

    public static Action<DbContextOptionsBuilder> ConfigureDb(string connectionString) =>
        options => options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention();
}
