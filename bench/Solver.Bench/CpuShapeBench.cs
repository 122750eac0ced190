using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using Solver.Inference.Reading;
using Solver.Kernels;
using Solver.Trainer;

namespace Solver.Bench;

/// <summary>
/// ILGPU's CPU accelerator in several simulated shapes (threads per warp, warps per multiprocessor, multiprocessors;
/// parallel mode): it runs one OS thread per simulated hardware thread, so the shape decides how many OS threads share
/// the cores. Each shape is its own accelerator running the same GEMM, convolution passes, Model 4 training step and
/// `solve` of the benchmark's equation, all interleaved round by round.
/// </summary>
public static class CpuShapeBench
{
    public sealed record Row(string Shape, double GemmGflops, double ConvGflops, double ConvInputGflops, double ConvWeightsGflops, double Model4Images, double SolveMs);

    public static List<Row> Run(int rounds, int steps, string weights)
    {
        int p = Environment.ProcessorCount;
        var shapes = new (string Name, CPUDevice Device)[]
        {
            ($"CPUDevice(2, 1, {p}) (before): {2 * p} OS threads", new CPUDevice(2, 1, p)),
            ($"CPUDevice(2, 1, {(p + 1) / 2}) (now): {2 * ((p + 1) / 2)} OS threads", ComputeDevice.ProductionCpuDevice),
            ($"CPUDevice(4, 1, {(p + 1) / 2}): {4 * ((p + 1) / 2)} OS threads", new CPUDevice(4, 1, (p + 1) / 2)),
            ($"CPUDevice(2, 1, {2 * p}): {4 * p} OS threads", new CPUDevice(2, 1, 2 * p)),
        };
        var config = TrainerConfig.Load("configs/model4.json");
        var conv = ConvGeometry.Create(128, 8, 21, 21, 12, 5, 5, 1, 0);
        var gemm = GemmGeometry.Create(512, 512, 512, false, false);
        var rng = new Random(1);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => rng.NextSingle()).ToArray();
        var png = InferenceBench.EquationPng();
        var disposables = new List<IDisposable>();
        var runs = new List<Action>();
        try
        {
            foreach (var (name, cpu) in shapes)
            {
                var d = ComputeDevice.CreateCpu(cpu, WorkShape.Coarse, "cpu");
                disposables.Add(d);
                T Keep<T>(T x) where T : IDisposable { disposables.Add(x); return x; }
                var a = Keep(d.Allocate(512 * 512)); var b = Keep(d.Allocate(512 * 512)); var c = Keep(d.Allocate(512 * 512));
                a.View.CopyFromCPU(Random(512 * 512)); b.View.CopyFromCPU(Random(512 * 512));
                var gws = Keep(d.Gemm.CreateWorkspace(gemm));
                var x = Keep(d.Allocate(conv.InputLength)); var w = Keep(d.Allocate(conv.WeightLength)); var bias = Keep(d.Allocate(conv.Cout));
                var y = Keep(d.Allocate(conv.OutputLength)); var dx = Keep(d.Allocate(conv.InputLength)); var dw = Keep(d.Allocate(conv.WeightLength));
                x.View.CopyFromCPU(Random(conv.InputLength)); w.View.CopyFromCPU(Random(conv.WeightLength)); y.View.CopyFromCPU(Random(conv.OutputLength));
                var cws = Keep(d.Conv.CreateWorkspace(conv, algorithm: ConvAlgorithm.Direct));
                var step = Keep(new TrainingBench.StepRunner(d, config));
                runs.Add(() => { d.Gemm.Gemm(a.View, b.View, null, c.View, gemm, gws); d.Synchronize(); });
                runs.Add(() => { d.Conv.Forward(x.View, w.View, bias.View, y.View, conv, cws); d.Synchronize(); });
                runs.Add(() => { d.Conv.BackwardInput(y.View, w.View, dx.View, conv, cws); d.Synchronize(); });
                runs.Add(() => { d.Conv.BackwardWeights(x.View, y.View, dw.View, null, conv, cws); d.Synchronize(); });
                runs.Add(() => { for (int i = 0; i < steps; i++) step.Run(); d.Synchronize(); });
                var reader = Keep(EquationReader.Open(weights, d));
                runs.Add(() => reader.Read(png, "bench.png"));
            }
            var med = Measure.Interleaved(rounds, runs.ToArray());
            const int per = 6;
            return shapes.Select((s, i) => new Row(s.Name, gemm.Flops / med[per * i] / 1e9, conv.ForwardFlops / med[per * i + 1] / 1e9,
                conv.ForwardFlops / med[per * i + 2] / 1e9, conv.ForwardFlops / med[per * i + 3] / 1e9, config.BatchSize * steps / med[per * i + 4],
                med[per * i + 5] * 1000)).ToList();
        }
        finally
        {
            for (int i = disposables.Count - 1; i >= 0; i--) disposables[i].Dispose();
        }
    }
}
