using ILGPU;
using ILGPU.Runtime;
using Solver.Kernels;

namespace Solver.Bench;

public sealed record KernelRow(string Kernel, string Variant, double Milliseconds, double Gflops);

/// <summary>
/// Convolution (Model 4's two layers, batch 128, and the recognizer's padded fourth, batch 64) and a 512 GEMM: the earlier ILGPU kernels, the register-blocked ones,
/// and plain C# loops as the scalar ceiling, interleaved.
/// </summary>
public static class KernelBench
{
    /// <summary>Microseconds per launch of a kernel with almost no work (an SGD step over 16 floats), 2,000 launches then one wait.</summary>
    public static double LaunchMicroseconds(ComputeDevice d, int rounds)
    {
        const int launches = 2000;
        using var w = d.Allocate(16);
        using var g = d.Allocate(16);
        using var v = d.Allocate(16);
        var s = new SgdSettings { LearningRate = 0.01f };
        var seconds = Measure.Interleaved(rounds, () =>
        {
            for (int i = 0; i < launches; i++) d.Sgd.Step(w.View, g.View, v.View, s);
            d.Synchronize();
        });
        return seconds[0] / launches * 1e6;
    }

    public static List<KernelRow> Run(ComputeDevice d, int rounds)
    {
        var rows = new List<KernelRow>();
        var a = d.Accelerator;
        var oldForward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid, int>(PlaneConvKernels.Forward);
        var oldInput = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid>(ConvKernels.BackwardInputStrided);
        var oldWeights = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid>(PlaneConvKernels.BackwardWeights);
        var oldGemm = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmGeometry, TileGrid, int>(RowGemmKernels.Gemm);
        var rng = new Random(1);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => rng.NextSingle()).ToArray();
        Action Sync(Action run) => () => { run(); d.Synchronize(); };

        foreach (var (name, g) in new[] { ("conv 1->8 3x3 on 45x45", ConvGeometry.Create(128, 1, 45, 45, 8, 3, 3, 1, 0)), ("conv 8->12 5x5 on 21x21", ConvGeometry.Create(128, 8, 21, 21, 12, 5, 5, 1, 0)),
            ("conv 64->64 3x3 pad 1 on 9x9 (recognizer, batch 64)", ConvGeometry.Create(64, 64, 9, 9, 64, 3, 3, 1, 1)) })
        {
            // A first layer reads images: strokes on a blank page (real 45x45 symbols: about 4% of the pixels inked), here
            // drawn by the project's own renderer.
            bool first = g.Cin == 1;
            var (strokes, inked) = first ? StrokeImages.Batch(g.N, g.H, 1) : ([], 0);
            string ink = $"strokes, {100 * inked:F0}% inked";
            var hx = first ? strokes : Random(g.InputLength); var hw = Random(g.WeightLength); var hb = Random(g.Cout); var hy = new float[g.OutputLength];
            using var x = d.Allocate(g.InputLength); using var w = d.Allocate(g.WeightLength); using var b = d.Allocate(g.Cout);
            using var y = d.Allocate(g.OutputLength); using var dx = d.Allocate(g.InputLength); using var dw = d.Allocate(g.WeightLength);
            using var ws = d.Conv.CreateWorkspace(g, algorithm: ConvAlgorithm.Direct);
            using var cws = d.Conv.CreateWorkspace(g, algorithm: ConvAlgorithm.Columns);
            using var sparse = d.Allocate(g.OutputLength);
            sparse.View.CopyFromCPU(Random(g.OutputLength).Select(v => v < 0.85f ? 0f : v).ToArray());
            x.View.CopyFromCPU(hx); w.View.CopyFromCPU(hw); b.View.CopyFromCPU(hb); y.View.CopyFromCPU(Random(g.OutputLength));
            var outGrid = TileGrid.Create(g.N * g.Cout, g.OH, g.OW, g.OH, g.OW);
            var inGrid = TileGrid.Create(g.N * g.Cin, g.H, g.W, g.H, g.W);
            var wGrid = TileGrid.Create(g.Cout * g.Cin, g.KH, g.KW, g.KH, g.KW);
            var runs = new (string, string, Action)[]
            {
                ("forward", "plane per thread (before)", Sync(() => oldForward(d.Stream, outGrid.ThreadCount, x.View, w.View, b.View, y.View, g, outGrid, 1))),
                ("forward", "register-blocked (now)", Sync(() => d.Conv.Forward(x.View, w.View, b.View, y.View, g, ws))),
                ("forward", "matrix multiply over columns (im2col)", Sync(() => d.Conv.Forward(x.View, w.View, b.View, y.View, g, cws))),
                ("forward", "plain C# loop (ceiling)", () => PlainForward.Run(hx, hw, hb, hy, g)),
                ("backward-input", "gather, plane per thread (before; kept for strides > 1)", Sync(() => oldInput(d.Stream, inGrid.ThreadCount, y.View, w.View, dx.View, g, inGrid))),
                ("backward-input", "register-blocked (now)", Sync(() => d.Conv.BackwardInput(y.View, w.View, dx.View, g, ws))),
                ("backward-input", "matrix multiply over columns (im2col)", Sync(() => d.Conv.BackwardInput(y.View, w.View, dx.View, g, cws))),
                ("backward-weights", "plane per thread (before)", Sync(() => oldWeights(d.Stream, wGrid.ThreadCount, x.View, y.View, dw.View, g, wGrid))),
                ("backward-weights", "register-blocked (now)", Sync(() => d.Conv.BackwardWeights(x.View, y.View, dw.View, null, g, ws))),
                ("backward-weights", "register-blocked, dy 85% zero as behind ReLU and pool (now)", Sync(() => d.Conv.BackwardWeights(x.View, sparse.View, dw.View, null, g, ws))),
            }.Where(r => g.Pad == 0 || !r.Item2.StartsWith("plain")).ToArray(); // the plain loop has no padding
            // The output through a ReLU and a 2x2 pool, as in the models: the gradients read through the pool take the
            // pool's gradient, arg-max and output (effective GFLOP/s: the dense pass's work over the time).
            var pg = PoolGeometry.Create(g.N, g.Cout, g.OH, g.OW, 2, 2);
            using var pooled = d.Allocate(pg.OutputLength); using var argmax = d.AllocateInt(pg.OutputLength);
            using var pooledGrad = d.Allocate(pg.OutputLength); using var db = d.Allocate(g.Cout);
            using var relu = d.Allocate(g.OutputLength);
            relu.View.CopyFromCPU(Random(g.OutputLength).Select(v => v < 0.5f ? 0f : v).ToArray());
            d.Pool.Forward(relu.View, pooled.View, argmax.View, pg);
            pooledGrad.View.CopyFromCPU(Random(pg.OutputLength).Select(v => v - 0.5f).ToArray());
            using var sws = first ? d.Conv.CreateWorkspace(g, inputGradient: false, denseWeightGradient: false, sparseInput: true) : null;
            using var denseX = first ? d.Allocate(g.InputLength) : null;
            if (sws is not null && denseX is not null)
            {
                denseX.View.CopyFromCPU(Random(g.InputLength));
                runs = [.. runs,
                    ("forward", $"scattered from the input's non-zero pixels, {ink} (now for a first layer on the CPU)", Sync(() => d.Conv.Forward(x.View, w.View, b.View, y.View, g, sws))),
                    ("forward", "scattered, every pixel inked (a dense input)", Sync(() => d.Conv.Forward(denseX.View, w.View, b.View, y.View, g, sws))),
                    ("forward", $"scattered and folded into the ReLU and 2x2 pool, {ink} (now in training for a first layer on the CPU)", Sync(() => d.Conv.ForwardPooled(x.View, w.View, b.View, pooled.View, argmax.View, g, pg, sws, true))),
                    ("backward-weights", $"scattered from the input's non-zero pixels through the ReLU and 2x2 pool, {ink} (now for a first layer on the CPU)", Sync(() => d.Conv.BackwardWeightsThroughPool(x.View, pooledGrad.View, argmax.View, pooled.View, dw.View, db.View, g, pg, sws))),
                    ("backward-weights", "scattered through the pool, every pixel inked (a dense input)", Sync(() => d.Conv.BackwardWeightsThroughPool(denseX.View, pooledGrad.View, argmax.View, pooled.View, dw.View, db.View, g, pg, sws))),
                ];
            }
            runs = [.. runs,
                ("forward", "folded into the ReLU and 2x2 pool, storing the pool's output (now in training where a first layer is not scattered)", Sync(() => d.Conv.ForwardPooled(x.View, w.View, b.View, pooled.View, argmax.View, g, pg, ws, true))),
                ("backward-weights", "through the ReLU and 2x2 pool, from the pool's gradient (now for a first layer off the CPU)", Sync(() => d.Conv.BackwardWeightsThroughPool(x.View, pooledGrad.View, argmax.View, pooled.View, dw.View, db.View, g, pg))),
                .. g.Cin % 4 == 0 ? new[] { ("backward-input", "through the ReLU and 2x2 pool, scattered from the pool's gradient (now for Cin a multiple of four)", Sync(() => d.Conv.BackwardInputThroughPool(w.View, pooledGrad.View, argmax.View, pooled.View, dx.View, g, pg))) } : []];
            var med = Measure.Interleaved(rounds, runs.Select(r => r.Item3).ToArray());
            for (int i = 0; i < runs.Length; i++)
                rows.Add(new KernelRow($"{name}, {runs[i].Item1}", runs[i].Item2, med[i] * 1000, g.ForwardFlops / med[i] / 1e9));
        }

        const int size = 512;
        var gg = GemmGeometry.Create(size, size, size, false, false);
        var ha = Random(size * size); var hbm = Random(size * size); var hc = new float[size * size];
        using var ga = d.Allocate(size * size); using var gb = d.Allocate(size * size); using var gc = d.Allocate(size * size);
        ga.View.CopyFromCPU(ha); gb.View.CopyFromCPU(hbm);
        using var gws = d.Gemm.CreateWorkspace(gg);
        using var noBias = d.Allocate(1);
        var rowGrid = TileGrid.Create(1, size, size, 1, size);
        var gemmRuns = new (string, Action)[]
        {
            ("dot product per element (before)", Sync(() => oldGemm(d.Stream, rowGrid.ThreadCount, ga.View, gb.View, noBias.View, gc.View, gg, rowGrid, 0))),
            ("register-blocked (now)", Sync(() => d.Gemm.Gemm(ga.View, gb.View, null, gc.View, gg, gws))),
            ("plain C# loop (ceiling)", () => PlainGemm.Run(ha, hbm, hc, size, size, size)),
        };
        var gmed = Measure.Interleaved(rounds, gemmRuns.Select(r => r.Item2).ToArray());
        for (int i = 0; i < gemmRuns.Length; i++)
            rows.Add(new KernelRow("GEMM 512x512x512", gemmRuns[i].Item1, gmed[i] * 1000, gg.Flops / gmed[i] / 1e9));
        return rows;
    }
}
