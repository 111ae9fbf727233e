namespace ViralForge.Core.Outside;

/// <summary>How long a host asked callers to wait: <c>Retry-After</c> as seconds or as a date, never negative.</summary>
public static class RetryAfterHeader
{
    public static TimeSpan? Of(HttpResponseMessage response, TimeProvider? time = null) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta > TimeSpan.Zero ? delta : TimeSpan.Zero,
            { Date: { } date } => date - (time ?? TimeProvider.System).GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };
}
