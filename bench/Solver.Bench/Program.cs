using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Solver.Bench;
using Solver.Kernels;

// The performance benchmark (docs/performance.md): kernels against their predecessors and the scalar ceiling, training
// throughput against PyTorch in the same run, end-to-end solve latency, memory. Everything interleaved, medians.
//   dotnet run -c Release --project bench/Solver.Bench -- [--accelerator auto|cpu|cuda|opencl] [--rounds 7]
//       [--steps 20] [--python /usr/bin/python3 | --no-torch] [--only kernels|launch|training|conv-algorithms|pool-gradients|pool-folding|sparse-input|coarse-threads|cpu-shapes|profile|inference|server] [--out FILE]
//       [--requests 500] [--clients 8] [--weights models/recognizer.safetensors[,more.safetensors]]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string Option(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
int rounds = int.Parse(Option("--rounds", "7"));
int steps = int.Parse(Option("--steps", "20"));
string? python = args.Contains("--no-torch") ? null : Option("--python", "/usr/bin/python3");
if (python is not null && !File.Exists(python)) python = null;
string only = Option("--only", "all");
// The recognizer that `inference` and `server` read with; several files separated by commas are an ensemble, as in `solve`.
string weights = Option("--weights", "models/recognizer.safetensors");
string? outFile = Option("--out", "") is { Length: > 0 } o ? o : null;
if (!AcceleratorChoiceParser.TryParse(Option("--accelerator", "auto"), out var choice)) { Console.Error.WriteLine("--accelerator: auto, cpu, cuda or opencl"); return 2; }

using var d = ComputeDevice.Create(choice);
TrainingBench.TorchDevice = d.Type == ILGPU.Runtime.AcceleratorType.Cuda ? "cuda" : "cpu";
var report = new StringBuilder();
void Line(string s = "") { Console.WriteLine(s); report.AppendLine(s); }
Line($"# Benchmark run, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Line();
Line($"- machine: {Environment.ProcessorCount} cores, {RuntimeInformation.ProcessArchitecture}, {CpuName()}, {RuntimeInformation.FrameworkDescription}");
Line($"- {d.Description}");
Line($"- rounds: {rounds} (medians, warm-up excluded); PyTorch peer: {(python is null ? "not run" : python)}");

if (only is "all" or "kernels" && d.Type == ILGPU.Runtime.AcceleratorType.CPU)
{
    double peak = Measure.ScalarPeakGflops();
    Line($"- scalar peak measured now: {peak:F1} GFLOP/s (eight FMA chains per core, all cores)");
    Line();
    Line("| kernel | variant | ms | GFLOP/s | of scalar peak |");
    Line("|---|---|---:|---:|---:|");
    foreach (var r in KernelBench.Run(d, rounds))
        Line($"| {r.Kernel} | {r.Variant} | {r.Milliseconds:F2} | {r.Gflops:F2} | {100 * r.Gflops / peak:F0}% |");
}
if (only is "all" or "kernels" or "launch")
{
    Line();
    Line($"- one kernel launch (an SGD step over 16 floats, 2,000 launches, then one wait): {KernelBench.LaunchMicroseconds(d, rounds):F1} µs median");
}
// The side-by-sides inside whole training steps (not part of a full run): the first column is the baseline, and every
// other column is also given as a ratio to it.
var sideBySides = new Dictionary<string, (string[] Configs, string[] Columns, Func<Solver.Trainer.TrainerConfig, double[]> Run)>
{
    ["conv-algorithms"] = (["configs/model4.json", "configs/model5.json"], ["direct kernels", "multiply over columns", "per layer as measured (now)"],
        c => ConvAlgorithmBench.Run(d, c, rounds, steps)),
    ["pool-gradients"] = (["configs/model3.json", "configs/model4.json", "configs/model5.json"], ["dense output gradients, no pool folded", "gradients through the pools, pools folded (now)"],
        c => ConvAlgorithmBench.RunPoolGradients(d, c, rounds, steps)),
    ["pool-folding"] = (["configs/model3.json", "configs/model4.json", "configs/model5.json"], ["pools as their own pass", "pools folded into the convolutions (now)"],
        c => ConvAlgorithmBench.RunPoolFolding(d, c, rounds, steps)),
    ["sparse-input"] = (["configs/model3.json", "configs/model4.json", "configs/model5.json"], ["first layer on the dense kernels", "scattered from the input's non-zero pixels (now)"],
        c => ConvAlgorithmBench.RunSparseInput(d, c, rounds, steps)),
    ["coarse-threads"] = (["configs/model3.json", "configs/model4.json", "configs/model5.json"], ["a thread per plane", "4 threads per core", "8 (now)", "16"],
        c => ConvAlgorithmBench.RunCoarseThreads(d, c, rounds, steps, [int.MaxValue / 64, 4, 8, 16])),
};
if (sideBySides.TryGetValue(only, out var side))
{
    Line();
    Line($"| model | batch | {string.Join(" | ", side.Columns.Select(c => c + ", images/s"))} |");
    Line($"|---|---:|{string.Concat(side.Columns.Select(_ => "---:|"))}");
    foreach (var path in side.Configs)
    {
        var config = Solver.Trainer.TrainerConfig.Load(path);
        var r = side.Run(config);
        Line($"| {config.Name} | {config.BatchSize} | {r[0]:F0} | {string.Join(" | ", r.Skip(1).Select(v => $"{v:F0} ({v / r[0]:F2}x)"))} |");
    }
}
if (only is "cpu-shapes")
{
    // Configs are read relative to the repository root, as the other side-by-sides do.
    Line();
    Line("| CPU accelerator shape | GEMM 512 GFLOP/s | conv 8->12 5x5 forward | backward-input | backward-weights | Model 4 training images/s | solve, ms |");
    Line("|---|---:|---:|---:|---:|---:|---:|");
    foreach (var r in CpuShapeBench.Run(rounds, steps, weights))
        Line($"| {r.Shape} | {r.GemmGflops:F2} | {r.ConvGflops:F2} | {r.ConvInputGflops:F2} | {r.ConvWeightsGflops:F2} | {r.Model4Images:F0} | {r.SolveMs:F1} |");
}
if (only is "profile")
{
    foreach (var path in new[] { "configs/model3.json", "configs/model4.json", "configs/model5.json" })
    {
        var rows = ProfileBench.Run(d, path, rounds, steps);
        Line();
        Line($"Training step of {path}, each launch waited for (ms per step, medians of {rounds} rounds of {steps} steps): {rows.Sum(r => r.Milliseconds):F1} ms in all");
        Line();
        Line("| layer, pass / operation | ms | share |");
        Line("|---|---:|---:|");
        foreach (var r in rows) Line($"| {r.Section} | {r.Milliseconds:F2} | {100 * r.Share:F1}% |");
    }
}
if (only is "all" or "training")
{
    Line();
    Line("| model | batch | Solver images/s | PyTorch images/s | ratio | device memory planned | device allocations in timed steps | launches per step | PyTorch peak RSS |");
    Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var config in new[] { "configs/model3.json", "configs/model4.json", "configs/model5.json" })
    {
        var r = TrainingBench.Run(d, config, rounds, steps, python, Console.Error);
        string torch = r.TorchImages is { } t ? $"{t:F0}" : "-", ratio = r.TorchImages is { } t2 ? $"{r.Images / t2:F3}x" : "-";
        Line($"| {r.Model} | {r.Batch} | {r.Images:F0} | {torch} | {ratio} | {r.DeviceBytes / 1048576.0:F1} MiB | {r.StepAllocations} | {r.LaunchesPerStep} | {(r.TorchPeakMib is { } m ? $"{m:F0} MiB" : "-")} |");
    }
}
if (only is "all" or "inference")
{
    var (ms, read) = InferenceBench.Run(d, weights, rounds * 3);
    Line();
    Line($"- solve latency, one {InferenceBench.Equation.Length}-symbol image ({InferenceBench.Equation}, read as {read}): {ms:F1} ms median, weights loaded once ({weights})");
}
if (only is "all" or "server")
{
    int requests = int.Parse(Option("--requests", "500")), clients = int.Parse(Option("--clients", "8"));
    var r = await LoadBench.Run(choice, weights, requests, clients);
    Line();
    Line("| load test (solve serve, loopback) | requests | clients | errors | statuses | p50 ms | p99 ms | max ms | requests/s | peak working set |");
    Line("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|");
    Line($"| POST /api/solve, {InferenceBench.Equation} | {r.Requests} | {r.Clients} | {r.Errors} | {r.Statuses} | {r.P50:F1} | {r.P99:F1} | {r.Max:F1} | {r.PerSecond:F1} | {r.PeakMib:F0} MiB |");
}
Line($"- host peak working set of this process: {Environment.WorkingSet / 1048576.0:F0} MiB now, {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB peak");
if (outFile is not null) File.WriteAllText(outFile, report.ToString());
return 0;

static string CpuName()
{
    try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':')[1].Trim() ?? "unknown CPU"; }
    catch (IOException) { return "unknown CPU"; }
}
