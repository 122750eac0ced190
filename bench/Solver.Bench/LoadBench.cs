using System.Diagnostics;
using Solver.Inference.Server;
using Solver.Kernels;

namespace Solver.Bench;

/// <summary>
/// A bounded load test of `solve serve` on loopback: N requests of the benchmark's 8-symbol equation from C concurrent
/// clients, then it stops. Reports errors, status codes, latency percentiles and the process's peak memory.
/// </summary>
public static class LoadBench
{
    public sealed record Result(int Requests, int Clients, int Errors, string Statuses, double P50, double P99, double Max, double PerSecond, double PeakMib);

    public static async Task<Result> Run(AcceleratorChoice accelerator, string weights, int requests, int clients)
    {
        var bytes = InferenceBench.EquationPng();

        await using var app = SolveServer.Build(new ServerOptions { Port = 0, WeightsPath = weights, Accelerator = accelerator });
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single() + "/"), Timeout = TimeSpan.FromSeconds(60) };
        async Task<(int Status, bool Right)> Post()
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "image", "eq.png" } };
            using var response = await http.PostAsync("api/solve", form);
            var body = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, body.Contains("\"5\""));
        }
        await Post(); // warm-up: compile kernels, JIT

        var latencies = new double[requests];
        var statuses = new int[requests];
        int next = -1, errors = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var sw = Stopwatch.StartNew();
                try
                {
                    var (status, right) = await Post();
                    statuses[i] = status;
                    if (status != 200 || !right) Interlocked.Increment(ref errors);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
                latencies[i] = sw.Elapsed.TotalMilliseconds;
            }
        })).ToArray();
        await Task.WhenAll(workers);
        double seconds = clock.Elapsed.TotalSeconds;
        await app.StopAsync();
        Array.Sort(latencies);
        double Percentile(double p) => latencies[Math.Min(requests - 1, (int)Math.Ceiling(p * requests) - 1)];
        var codes = string.Join(", ", statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
        return new Result(requests, clients, errors, codes, Percentile(0.5), Percentile(0.99), latencies[^1], requests / seconds,
            Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
    }
}
