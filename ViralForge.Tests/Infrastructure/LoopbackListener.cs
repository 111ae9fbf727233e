using System.Net;

namespace ViralForge.Tests.Infrastructure;

/// <summary>An <see cref="HttpListener"/> on a free loopback port, for the tests' stand-ins of outside services.</summary>
public static class LoopbackListener
{
    public static (HttpListener Listener, int Port) Start()
    {
        // Bind, and try again if another test took the port first. A listener that failed to start is
        // closed by HttpListener, so each try needs a new one.
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20000, 60000);
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                listener.Close();
            }
        }
    }

    /// <summary>Accepts requests until <paramref name="stop"/>, each handled on its own; a handler's failure (a client gone) ends only that request.</summary>
    public static async Task ServeAsync(HttpListener listener, Func<HttpListenerContext, Task> handle, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    await handle(context);
                }
                catch (Exception)
                {
                    // The client went away (killed, timed out) or the test dropped the connection on purpose.
                }
            });
        }
    }

    public static async Task WriteJsonAsync(HttpListenerResponse response, int status, string json)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }
}
