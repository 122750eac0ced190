using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using Solver.Kernels;

// Conv kernel variants on Model 4's layers (batch 128), interleaved in one process so that a loaded machine
// affects both alike; medians of 7 rounds. Usage: dotnet run -c Release --project bench/Solver.Bench
using var d = ComputeDevice.Create(AcceleratorChoice.Cpu);
Console.WriteLine(d.Description);
var layers = new[] { ("conv1 1->8 3x3 45x45", ConvGeometry.Create(128, 1, 45, 45, 8, 3, 3, 1, 0)), ("conv2 8->12 5x5 21x21", ConvGeometry.Create(128, 8, 21, 21, 12, 5, 5, 1, 0)) };
var a = d.Accelerator;
var gFwd = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid, int>(Solver.Bench.GatherConvKernels.Forward);
var rng = new Random(1);
foreach (var (name, g) in layers)
{
    using var x = d.Allocate(g.InputLength); using var w = d.Allocate(g.WeightLength); using var b = d.Allocate(g.Cout);
    using var y = d.Allocate(g.OutputLength); using var dx = d.Allocate(g.InputLength); using var dw = d.Allocate(g.WeightLength);
    x.View.CopyFromCPU(Enumerable.Range(0, g.InputLength).Select(_ => rng.NextSingle()).ToArray());
    w.View.CopyFromCPU(Enumerable.Range(0, g.WeightLength).Select(_ => rng.NextSingle()).ToArray());
    y.View.CopyFromCPU(Enumerable.Range(0, g.OutputLength).Select(_ => rng.NextSingle()).ToArray());
    var fwdGrid = TileGrid.For(WorkShape.Coarse, g.N * g.Cout, g.OH, g.OW);
    var runs = new (string, Action)[]
    {
        ("forward gather (old)", () => gFwd(d.Stream, fwdGrid.ThreadCount, x.View, w.View, b.View, y.View, g, fwdGrid, 1)),
        ("forward taps-outer (new)", () => d.Conv.Forward(x.View, w.View, b.View, y.View, g)),
        ("backward-input (gather)", () => d.Conv.BackwardInput(y.View, w.View, dx.View, g)),
        ("backward-weights", () => d.Conv.BackwardWeights(x.View, y.View, dw.View, g)),
    };
    var times = runs.Select(_ => new List<double>()).ToArray();
    for (int round = 0; round < 8; round++)
        for (int i = 0; i < runs.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            runs[i].Item2();
            d.Synchronize();
            if (round > 0) times[i].Add(sw.Elapsed.TotalSeconds); // round 0 compiles and warms up
        }
    for (int i = 0; i < runs.Length; i++)
    {
        double med = times[i].Order().ElementAt(times[i].Count / 2);
        Console.WriteLine($"{name,-24} {runs[i].Item1,-34} {med * 1000,8:F2} ms {g.ForwardFlops / med / 1e9,6:F2} GFLOP/s");
    }
}
