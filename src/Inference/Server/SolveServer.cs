using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Solver.Inference.Reading;
using Solver.Kernels;
using Solver.Trainer;

namespace Solver.Inference.Server;

public sealed class ServerOptions
{
    public int Port { get; init; } = 5080;
    public required string WeightsPath { get; init; }
    public AcceleratorChoice Accelerator { get; init; } = AcceleratorChoice.Auto;
    /// <summary>Largest request body; Kestrel refuses more with 413 before we read it.</summary>
    public long MaxBodyBytes { get; init; } = 8 << 20;
    /// <summary>Largest image, in pixels, checked from the header before decoding.</summary>
    public long MaxPixels { get; init; } = SafeImageLoader.DefaultMaxPixels;
    /// <summary>Time a request may take, waiting for the recognizer included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>
/// <c>solve serve</c>: the drawing page and <c>POST /api/solve</c> on loopback only. The API takes image bytes and
/// nothing else (no file names or paths reach the host's file system), answers with the CLI's JSON (docs/formats.md),
/// and reads one image at a time on the one device, each request within its time limit.
/// </summary>
public static class SolveServer
{
    public static WebApplication Build(ServerOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.Configure<FormOptions>(f => { f.MultipartBodyLengthLimit = options.MaxBodyBytes; f.ValueCountLimit = 16; });
        var app = builder.Build();

        var device = ComputeDevice.Create(options.Accelerator);
        var reader = EquationReader.Open(options.WeightsPath, device);
        app.Lifetime.ApplicationStopped.Register(() => { reader.Dispose(); device.Dispose(); });
        var gate = new SemaphoreSlim(1, 1);
        var page = LoadPage();

        app.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8"));
        app.MapPost("/api/solve", async (HttpContext context) =>
        {
            var (status, result) = await Solve(context, options, reader, gate);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(JsonSerializer.Serialize(result, SolveCli.Json));
        });
        return app;
    }

    private static async Task<(int Status, ReadResult Result)> Solve(HttpContext context, ServerOptions options, EquationReader reader, SemaphoreSlim gate)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(options.RequestTimeout);
        byte[] bytes;
        try
        {
            bytes = await ReadImage(context.Request, timeout.Token);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (413, Failed($"the upload is larger than {options.MaxBodyBytes >> 20} MiB"));
        }
        catch (InvalidDataException e)
        {
            return (400, Failed(e.Message));
        }
        catch (OperationCanceledException)
        {
            return (408, Failed("the upload did not arrive in time"));
        }
        if (bytes.Length == 0) return (400, Failed("no image: send it as the form field 'image' or as the request body"));

        try
        {
            await gate.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return (503, Failed($"the server is busy: no answer within {options.RequestTimeout.TotalSeconds:0} s, try again"));
        }
        try
        {
            // Reading cannot be interrupted part-way; it is bounded by the image caps, and one runs at a time.
            var result = await Task.Run(() => reader.Read(bytes, "upload", new ReadOptions { MaxPixels = options.MaxPixels }));
            return (result.Ok ? 200 : 422, result);
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<byte[]> ReadImage(HttpRequest request, CancellationToken cancel)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancel);
            var file = form.Files.GetFile("image") ?? form.Files.FirstOrDefault()
                       ?? throw new InvalidDataException("the form has no file: send the image in the field 'image'");
            using var copy = new MemoryStream();
            await file.CopyToAsync(copy, cancel);
            return copy.ToArray();
        }
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancel);
        return body.ToArray();
    }

    private static ReadResult Failed(string message) => new() { Error = message };

    private static string LoadPage()
    {
        using var stream = typeof(SolveServer).Assembly.GetManifestResourceStream("Solver.Inference.Server.index.html")
                           ?? throw new InvalidOperationException("the drawing page is missing from the build");
        using var text = new StreamReader(stream);
        return text.ReadToEnd();
    }
}
