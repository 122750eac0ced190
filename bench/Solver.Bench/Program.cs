using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using Solver.Bench;
using Solver.Kernels;

// Convolution kernels on Model 4's layers (batch 128): the earlier plane-per-thread kernels against the register-blocked
// ones, and a plain C# loop of the blocked forward as the ceiling of scalar code, interleaved in one process so that a
// loaded machine affects all alike; medians of 7 rounds. Usage: dotnet run -c Release --project bench/Solver.Bench
using var d = ComputeDevice.Create(AcceleratorChoice.Cpu);
Console.WriteLine(d.Description);
var layers = new[] { ("conv1 1->8 3x3 45x45", ConvGeometry.Create(128, 1, 45, 45, 8, 3, 3, 1, 0)), ("conv2 8->12 5x5 21x21", ConvGeometry.Create(128, 8, 21, 21, 12, 5, 5, 1, 0)) };
var a = d.Accelerator;
var oldForward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid, int>(PlaneConvKernels.Forward);
var oldInput = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid>(PlaneConvKernels.BackwardInput);
var oldWeights = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid>(PlaneConvKernels.BackwardWeights);
var rng = new Random(1);
float[] Random(int n) => Enumerable.Range(0, n).Select(_ => rng.NextSingle()).ToArray();
foreach (var (name, g) in layers)
{
    var hx = Random(g.InputLength); var hw = Random(g.WeightLength); var hb = Random(g.Cout); var hy = new float[g.OutputLength];
    using var x = d.Allocate(g.InputLength); using var w = d.Allocate(g.WeightLength); using var b = d.Allocate(g.Cout);
    using var y = d.Allocate(g.OutputLength); using var dx = d.Allocate(g.InputLength); using var dw = d.Allocate(g.WeightLength);
    using var ws = d.Conv.CreateWorkspace(g);
    x.View.CopyFromCPU(hx); w.View.CopyFromCPU(hw); b.View.CopyFromCPU(hb); y.View.CopyFromCPU(Random(g.OutputLength));
    var outGrid = TileGrid.For(WorkShape.Coarse, g.N * g.Cout, g.OH, g.OW);
    var inGrid = TileGrid.For(WorkShape.Coarse, g.N * g.Cin, g.H, g.W);
    var wGrid = TileGrid.For(WorkShape.Coarse, g.Cout * g.Cin, g.KH, g.KW);
    var runs = new (string, Action)[]
    {
        ("forward, plane per thread (old)", () => oldForward(d.Stream, outGrid.ThreadCount, x.View, w.View, b.View, y.View, g, outGrid, 1)),
        ("forward, register-blocked", () => d.Conv.Forward(x.View, w.View, b.View, y.View, g, ws)),
        ("forward, plain C# (ceiling only)", () => PlainForward.Run(hx, hw, hb, hy, g)),
        ("backward-input, plane per thread (old)", () => oldInput(d.Stream, inGrid.ThreadCount, y.View, w.View, dx.View, g, inGrid)),
        ("backward-input, register-blocked", () => d.Conv.BackwardInput(y.View, w.View, dx.View, g, ws)),
        ("backward-weights, plane per thread (old)", () => oldWeights(d.Stream, wGrid.ThreadCount, x.View, y.View, dw.View, g, wGrid)),
        ("backward-weights, register-blocked", () => d.Conv.BackwardWeights(x.View, y.View, dw.View, g, ws)),
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
        Console.WriteLine($"{name,-24} {runs[i].Item1,-42} {med * 1000,8:F2} ms {g.ForwardFlops / med / 1e9,6:F2} GFLOP/s");
    }
}
