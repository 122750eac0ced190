using ILGPU;
using ILGPU.Runtime;
using Solver.Kernels;

namespace Solver.Tests;

/// <summary>Each kernel against the plain C# reference, on random inputs, on every device profile.</summary>
public class KernelTests
{
    private static MemoryBuffer1D<float, Stride1D.Dense> Up(ComputeDevice d, float[] data)
    {
        var b = d.Allocate(data.Length);
        b.View.SubView(0, data.Length).CopyFromCPU(data);
        return b;
    }

    private static float[] Down(ComputeDevice d, MemoryBuffer1D<float, Stride1D.Dense> b, int n)
    {
        d.Synchronize();
        var r = new float[n];
        b.View.SubView(0, n).CopyToCPU(r);
        return r;
    }

    // Non-square inputs, odd sizes, stride 2, padding, several channels, rectangular kernel, 1x1 kernel.
    public static readonly (int n, int cin, int h, int w, int cout, int kh, int kw, int s, int p)[] ConvCases =
    [
        (2, 1, 7, 9, 3, 3, 3, 1, 0),
        (3, 2, 8, 5, 4, 3, 3, 2, 1),
        (2, 3, 9, 7, 2, 5, 5, 1, 2),
        (1, 2, 6, 6, 3, 2, 3, 2, 0),
        (2, 4, 5, 4, 5, 1, 1, 1, 0),
        (2, 2, 11, 10, 3, 4, 4, 3, 1),
        // Register blocks: interior blocks that slide, channel counts past a block of 4, a 5-wide kernel's tail block,
        // padding around sliding interiors, a rectangular kernel with padding 2.
        (2, 6, 12, 17, 9, 5, 5, 1, 0),
        (2, 5, 10, 14, 6, 3, 3, 1, 1),
        (1, 3, 9, 13, 4, 3, 5, 1, 2),
        // Padding as wide as the kernel (the input gradient takes the gather path), and 1x1 with padding.
        (2, 2, 6, 7, 3, 3, 3, 1, 3),
        (1, 3, 5, 6, 2, 1, 1, 1, 1),
        // A kernel larger than its input, padded to fit: the zero-bordered input is wider than the input itself.
        (1, 2, 3, 3, 5, 5, 5, 1, 2),
    ];

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Conv2d_forward_and_backward_match_reference(string profile)
    {
        var d = Devices.Get(profile);
        var rng = new Random(1);
        // Both formulations of the forward and the input gradient: the direct kernels and the multiply over columns.
        foreach (var algorithm in new[] { ConvAlgorithm.Direct, ConvAlgorithm.Columns })
        foreach (var c in ConvCases)
        {
            var g = ConvGeometry.Create(c.n, c.cin, c.h, c.w, c.cout, c.kh, c.kw, c.s, c.p);
            var x = Check.Random(rng, g.InputLength);
            var w = Check.Random(rng, g.WeightLength);
            var b = Check.Random(rng, g.Cout);
            var dy = Check.Random(rng, g.OutputLength);
            using var bx = Up(d, x); using var bw = Up(d, w); using var bb = Up(d, b); using var bdy = Up(d, dy);
            using var by = d.Allocate(g.OutputLength); using var bdx = d.Allocate(g.InputLength);
            using var bdw = d.Allocate(g.WeightLength); using var bdb = d.Allocate(g.Cout);
            // Planned for a larger batch than this one, as a layer's workspace is.
            using var ws = d.Conv.CreateWorkspace(ConvGeometry.Create(g.N + 1, c.cin, c.h, c.w, c.cout, c.kh, c.kw, c.s, c.p), algorithm: algorithm);

            d.Conv.Forward(bx.View, bw.View, bb.View, by.View, g, ws);
            Check.Close(Reference.ConvForward(x, w, b, g), Down(d, by, g.OutputLength), what: $"conv forward {c} {algorithm}");
            d.Conv.Forward(bx.View, bw.View, null, by.View, g, ws);
            Check.Close(Reference.ConvForward(x, w, null, g), Down(d, by, g.OutputLength), what: $"conv forward no bias {c} {algorithm}");

            var (rdx, rdw, rdb) = Reference.ConvBackward(x, w, dy, g);
            d.Conv.BackwardInput(bdy.View, bw.View, bdx.View, g, ws);
            d.Conv.BackwardWeights(bx.View, bdy.View, bdw.View, bdb.View, g, ws);
            Check.Close(rdx, Down(d, bdx, g.InputLength), what: $"conv dx {c} {algorithm}");
            Check.Close(rdw, Down(d, bdw, g.WeightLength), atol: 1e-3f, what: $"conv dw {c}");
            Check.Close(rdb, Down(d, bdb, g.Cout), atol: 1e-3f, what: $"conv db {c}");

            // Mostly-zero output gradients, as behind a ReLU and a max-pool.
            var sparse = dy.Select(v => rng.NextDouble() < 0.8 ? 0f : v).ToArray();
            using var bsparse = Up(d, sparse);
            var (sdx, sdw, sdb) = Reference.ConvBackward(x, w, sparse, g);
            d.Conv.BackwardInput(bsparse.View, bw.View, bdx.View, g, ws);
            d.Conv.BackwardWeights(bx.View, bsparse.View, bdw.View, bdb.View, g, ws);
            Check.Close(sdx, Down(d, bdx, g.InputLength), what: $"conv dx, sparse dy {c} {algorithm}");
            Check.Close(sdw, Down(d, bdw, g.WeightLength), atol: 1e-3f, what: $"conv dw, sparse dy {c}");
            Check.Close(sdb, Down(d, bdb, g.Cout), atol: 1e-3f, what: $"conv db, sparse dy {c}");
            // Without a bias the same launch leaves the bias alone.
            d.Conv.BackwardWeights(bx.View, bdy.View, bdw.View, null, g, ws);
            Check.Close(sdb, Down(d, bdb, g.Cout), atol: 1e-3f, what: $"conv db untouched without a bias {c}");
        }
    }

    /// <summary>
    /// The multiply over columns is picked where it measured faster (deep filters over short rows, on the coarse shape),
    /// never where its columns would pass their memory cap, and asking for it there is a clear error, not an overflow.
    /// </summary>
    [Fact]
    public void Columns_are_picked_for_deep_filters_over_short_rows_and_never_past_their_cap()
    {
        var coarse = Devices.Get("cpu-default/coarse");
        Assert.True(coarse.Conv.PrefersColumns(ConvGeometry.Create(64, 64, 9, 9, 64, 3, 3, 1, 1)));   // Model 5's fourth
        Assert.True(coarse.Conv.PrefersColumns(ConvGeometry.Create(64, 32, 9, 9, 64, 3, 3, 1, 1)));   // and third
        Assert.False(coarse.Conv.PrefersColumns(ConvGeometry.Create(64, 1, 45, 45, 16, 3, 3, 1, 0))); // one channel
        Assert.False(coarse.Conv.PrefersColumns(ConvGeometry.Create(64, 16, 21, 21, 32, 3, 3, 1, 0))); // 19-wide rows
        Assert.False(coarse.Conv.PrefersColumns(ConvGeometry.Create(128, 8, 21, 21, 12, 5, 5, 1, 0))); // 17-wide rows
        Assert.False(Devices.Get("cpu-default/fine").Conv.PrefersColumns(ConvGeometry.Create(64, 64, 9, 9, 64, 3, 3, 1, 1)));

        var huge = ConvGeometry.Create(4096, 64, 9, 9, 64, 3, 3, 1, 1);
        Assert.True(ConvWorkspace.ColumnQuadsFor(huge, true) > ConvWorkspace.MaxColumnQuads);
        Assert.False(coarse.Conv.PrefersColumns(huge));
        long before = coarse.AllocatedBytes;
        var e = Assert.Throws<ArgumentException>(() => coarse.Conv.CreateWorkspace(huge, algorithm: ConvAlgorithm.Columns));
        Assert.Contains("MiB", e.Message);
        Assert.Equal(before, coarse.AllocatedBytes); // refused before anything was allocated
    }

    /// <summary>
    /// The last block of a row whose output width is not a multiple of four reads past the input row's end, into the
    /// next row, the next plane, or a larger buffer's unused images: only the columns it does not store see those
    /// values. Here the unused image of the buffer is NaN, and nothing of it may reach the output.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Forward_row_tails_never_store_what_they_read_past_the_row(string profile)
    {
        var d = Devices.Get(profile);
        var rng = new Random(5);
        foreach (var (cin, h, w, k) in new[] { (1, 9, 11, 3), (3, 8, 10, 5), (2, 7, 6, 3) })
        {
            var g = ConvGeometry.Create(2, cin, h, w, 6, k, k, 1, 0);
            var x = Check.Random(rng, g.InputLength);
            var wt = Check.Random(rng, g.WeightLength);
            var b = Check.Random(rng, g.Cout);
            var padded = x.Concat(Enumerable.Repeat(float.NaN, cin * h * w)).ToArray(); // room for a third image, unused
            using var bx = Up(d, padded); using var bw = Up(d, wt); using var bb = Up(d, b);
            using var by = d.Allocate(g.OutputLength);
            using var ws = d.Conv.CreateWorkspace(ConvGeometry.Create(3, cin, h, w, 6, k, k, 1, 0));
            d.Conv.Forward(bx.View, bw.View, bb.View, by.View, g, ws, relu: true);
            var y = Down(d, by, g.OutputLength);
            Assert.All(y, v => Assert.False(float.IsNaN(v)));
            Check.Close(Reference.ConvForward(x, wt, b, g).Select(v => Math.Max(v, 0f)).ToArray(), y, what: $"conv forward, row tails {g.OW % 4} wide");
        }
    }

    /// <summary>
    /// A one-channel input as the first layer sees it: mostly blank images (one wholly blank), 2% of pixels inked, with
    /// the fused ReLU, and the weight and bias gradients under dense and mostly-zero output gradients. A kernel that
    /// skipped blank windows (tried: docs/performance.md) would have to pass this, since single pixels put ink at every
    /// place of a window.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void One_channel_images_with_empty_windows_match_reference(string profile)
    {
        var d = Devices.Get(profile);
        var rng = new Random(3);
        (int n, int h, int w, int cout, int k, int s, int p)[] cases =
            [(3, 20, 23, 6, 3, 1, 0), (2, 45, 45, 8, 3, 1, 0), (2, 15, 14, 5, 3, 1, 1), (2, 13, 12, 4, 3, 2, 0), (2, 11, 17, 3, 5, 1, 0)];
        foreach (var c in cases)
        {
            var g = ConvGeometry.Create(c.n, 1, c.h, c.w, c.cout, c.k, c.k, c.s, c.p);
            // 2% of pixels inked, and image 0 of the batch blank: most windows are empty, some hold one pixel anywhere.
            var x = new float[g.InputLength];
            for (int i = c.h * c.w; i < x.Length; i++) x[i] = rng.NextDouble() < 0.02 ? 0.2f + rng.NextSingle() : 0f;
            var w = Check.Random(rng, g.WeightLength);
            var b = Check.Random(rng, g.Cout);
            var dy = Check.Random(rng, g.OutputLength);
            var sparse = dy.Select(v => rng.NextDouble() < 0.75 ? 0f : v).ToArray();
            using var bx = Up(d, x); using var bw = Up(d, w); using var bb = Up(d, b);
            using var by = d.Allocate(g.OutputLength); using var bdw = d.Allocate(g.WeightLength); using var bdb = d.Allocate(g.Cout);
            using var ws = d.Conv.CreateWorkspace(g, inputGradient: false);

            d.Conv.Forward(bx.View, bw.View, bb.View, by.View, g, ws, relu: true);
            var expected = Reference.ConvForward(x, w, b, g).Select(v => Math.Max(v, 0f)).ToArray();
            Check.Close(expected, Down(d, by, g.OutputLength), what: $"one-channel forward with ReLU {c}");
            foreach (var (name, grad) in new[] { ("dense", dy), ("sparse", sparse) })
            {
                using var bdy = Up(d, grad);
                var (_, rdw, rdb) = Reference.ConvBackward(x, w, grad, g);
                d.Conv.BackwardWeights(bx.View, bdy.View, bdw.View, bdb.View, g, ws);
                Check.Close(rdw, Down(d, bdw, g.WeightLength), atol: 1e-3f, what: $"one-channel dw, {name} dy {c}");
                Check.Close(rdb, Down(d, bdb, g.Cout), atol: 1e-3f, what: $"one-channel db, {name} dy {c}");
            }
        }
    }

    /// <summary>
    /// The scatter from the input's non-zero pixels (<see cref="SparseInputConvKernels"/>) against the plain references:
    /// the forward stored or folded into its 2x2/2 pool (output and arg-max, ties to the first in row-major order), with
    /// and without bias and ReLU, and the weight and bias gradients through the pool with and without the ReLU's mask.
    /// Batches larger than a coarse grid's threads, so threads take several images and must leave their scratch clean;
    /// a blank image, a wholly inked one, channel counts that are no multiple of four, padding as wide as the kernel.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Sparse_input_scatter_matches_reference(string profile)
    {
        var d = Devices.Get(profile);
        var rng = new Random(12);
        (int n, int cin, int h, int w, int cout, int k, int p)[] cases =
            [(20, 1, 20, 23, 8, 3, 0), (3, 1, 45, 45, 16, 3, 0), (2, 2, 15, 14, 5, 3, 1), (2, 1, 11, 17, 3, 5, 2), (3, 1, 9, 8, 4, 5, 0), (2, 3, 7, 6, 6, 3, 3)];
        foreach (var c in cases)
        {
            var g = ConvGeometry.Create(c.n, c.cin, c.h, c.w, c.cout, c.k, c.k, 1, c.p);
            var pg = PoolGeometry.Create(c.n, c.cout, g.OH, g.OW, 2, 2);
            int image = c.cin * c.h * c.w;
            // Image 0 blank, image 1 inked everywhere, the rest 15% inked.
            var x = new float[g.InputLength];
            for (int i = image; i < x.Length; i++) x[i] = i < 2 * image || rng.NextDouble() < 0.15 ? 0.1f + rng.NextSingle() : 0f;
            var wt = Check.Random(rng, g.WeightLength);
            var b = Check.Random(rng, g.Cout);
            var dyPooled = Check.Random(rng, pg.OutputLength).Select(v => rng.NextDouble() < 0.3 ? 0f : v).ToArray();
            using var bx = Up(d, x); using var bw = Up(d, wt); using var bb = Up(d, b); using var bdyp = Up(d, dyPooled);
            using var by = d.Allocate(g.OutputLength); using var bp = d.Allocate(pg.OutputLength); using var barg = d.AllocateInt(pg.OutputLength);
            using var bdw = d.Allocate(g.WeightLength); using var bdb = d.Allocate(g.Cout);
            using var ws = d.Conv.CreateWorkspace(ConvGeometry.Create(c.n + 1, c.cin, c.h, c.w, c.cout, c.k, c.k, 1, c.p),
                inputGradient: false, denseWeightGradient: false, sparseInput: true);
            Assert.True(ws.ScattersInput);

            var plain = Reference.ConvForward(x, wt, b, g);
            d.Conv.Forward(bx.View, bw.View, bb.View, by.View, g, ws);
            Check.Close(plain, Down(d, by, g.OutputLength), what: $"sparse forward {c}");
            d.Conv.Forward(bx.View, bw.View, null, by.View, g, ws, relu: true);
            Check.Close(Reference.ConvForward(x, wt, null, g).Select(v => Math.Max(v, 0f)).ToArray(), Down(d, by, g.OutputLength),
                what: $"sparse forward, no bias, ReLU {c}");

            foreach (bool relu in new[] { true, false })
            {
                var (ry, rarg) = Reference.PoolForward(relu ? plain.Select(v => Math.Max(v, 0f)).ToArray() : plain, pg);
                d.Conv.ForwardPooled(bx.View, bw.View, bb.View, bp.View, barg.View, g, pg, ws, relu);
                var pooled = Down(d, bp, pg.OutputLength);
                Check.Close(ry, pooled, what: $"sparse forward folded into the pool, relu {relu} {c}");
                var arg = new int[pg.OutputLength];
                barg.View.SubView(0, arg.Length).CopyToCPU(arg);
                Assert.Equal(rarg, arg);

                // The ReLU's mask: windows whose pooled output is not positive pass nothing.
                var masked = dyPooled.Select((v, i) => !relu || ry[i] > 0f ? v : 0f).ToArray();
                var (_, rdw, rdb) = Reference.ConvBackward(x, wt, Reference.PoolBackward(masked, rarg, pg), g);
                // Twice: the second must not see what the first left in the scratch.
                for (int round = 0; round < 2; round++)
                {
                    d.Conv.BackwardWeightsThroughPool(bx.View, bdyp.View, barg.View, relu ? bp.View : null, bdw.View, bdb.View, g, pg, ws);
                    Check.Close(rdw, Down(d, bdw, g.WeightLength), atol: 1e-3f, what: $"sparse dw through the pool, relu {relu}, round {round} {c}");
                    Check.Close(rdb, Down(d, bdb, g.Cout), atol: 1e-3f, what: $"sparse db through the pool, relu {relu}, round {round} {c}");
                }
            }
            // Evaluation after training: the pooled forwards left the scratch as the bias everywhere, the pixels no
            // window covers included.
            d.Conv.Forward(bx.View, bw.View, bb.View, by.View, g, ws);
            Check.Close(plain, Down(d, by, g.OutputLength), what: $"sparse forward after the pooled ones {c}");
        }
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void MaxPool2d_forward_and_backward_match_reference(string profile)
    {
        var d = Devices.Get(profile);
        var rng = new Random(2);
        // Non-overlapping, overlapping (3/2), odd sizes with a dropped edge, stride larger than the kernel.
        foreach (var (n, c, h, w, k, s) in new[] { (2, 3, 8, 6, 2, 2), (2, 2, 7, 9, 3, 2), (1, 4, 5, 5, 2, 2), (2, 1, 9, 8, 2, 3) })
        {
            var g = PoolGeometry.Create(n, c, h, w, k, s);
            var x = Check.Distinct(rng, g.InputLength);
            var dy = Check.Random(rng, g.OutputLength);
            var (ry, rarg) = Reference.PoolForward(x, g);
            using var bx = Up(d, x); using var bdy = Up(d, dy);
            using var by = d.Allocate(g.OutputLength); using var bdx = d.Allocate(g.InputLength);
            using var arg = d.AllocateInt(g.OutputLength);
            d.Pool.Forward(bx.View, by.View, arg.View, g);
            Check.Close(ry, Down(d, by, g.OutputLength), what: "pool forward");
            d.Pool.Backward(bdy.View, arg.View, bdx.View, g);
            Check.Close(Reference.PoolBackward(dy, rarg, g), Down(d, bdx, g.InputLength), what: "pool backward");
        }
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Gemm_matches_reference_for_every_transpose(string profile)
    {
        var d = Devices.Get(profile);
        // The GPU-shaped profiles (fine work, groups of 256 or more) take the shared-memory tiles, the others the
        // register blocks; (70, 130, 37) spans several 64 x 64 tiles and 16-deep steps, with partial ones at every edge.
        Assert.Equal(d.WorkShape == WorkShape.Fine && d.Accelerator.MaxNumThreadsPerGroup >= 256, d.Gemm.UsesTiles);
        var rng = new Random(3);
        foreach (var (m, n, k) in new[] { (5, 7, 3), (16, 20, 45), (1, 9, 13), (33, 2, 17), (8, 12, 1), (70, 130, 37) })
        foreach (var ta in new[] { false, true })
        foreach (var tb in new[] { false, true })
        foreach (var acc in new[] { false, true })
        {
            var g = GemmGeometry.Create(m, n, k, ta, tb, acc);
            var a = Check.Random(rng, m * k);
            var b = Check.Random(rng, k * n);
            var bias = Check.Random(rng, n);
            var c0 = Check.Random(rng, m * n);
            using var ba = Up(d, a); using var bb = Up(d, b); using var bbias = Up(d, bias); using var bc = Up(d, c0);
            // Planned for a larger multiply, as a layer's workspace is for its largest.
            using var ws = d.Gemm.CreateWorkspace(GemmGeometry.Create(m + 3, n + 5, k + 1, ta, tb));
            d.Gemm.Gemm(ba.View, bb.View, bbias.View, bc.View, g, ws);
            Check.Close(Reference.Gemm(a, b, bias, g, c0), Down(d, bc, m * n), what: $"gemm {m}x{n}x{k} ta={ta} tb={tb} acc={acc}");
        }
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void ColumnSum_and_relu_match_reference(string profile)
    {
        var d = Devices.Get(profile);
        var rng = new Random(4);
        int rows = 13, cols = 3000; // more than one coarse chunk
        var m = Check.Random(rng, rows * cols);
        using var bm = Up(d, m); using var sums = d.Allocate(cols);
        d.Gemm.ColumnSum(bm.View, sums.View, rows, cols);
        var expected = Enumerable.Range(0, cols).Select(j => Enumerable.Range(0, rows).Sum(i => m[i * cols + j])).ToArray();
        Check.Close(expected, Down(d, sums, cols), atol: 1e-4f, what: "column sum");

        var dy = Check.Random(rng, rows * cols);
        using var bdy = Up(d, dy); using var y = d.Allocate(rows * cols); using var dx = d.Allocate(rows * cols);
        d.Activation.ReluForward(bm.View, y.View, rows * cols);
        var ry = m.Select(v => Math.Max(v, 0f)).ToArray();
        Check.Close(ry, Down(d, y, rows * cols), what: "relu forward");
        d.Activation.ReluBackward(y.View, bdy.View, dx.View, rows * cols);
        Check.Close(ry.Select((v, i) => v > 0 ? dy[i] : 0f).ToArray(), Down(d, dx, rows * cols), what: "relu backward");
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void SoftmaxCrossEntropy_matches_reference_and_stays_finite(string profile)
    {
        var d = Devices.Get(profile);
        var rng = new Random(5);
        int rows = 37, classes = 11;
        // Huge logits must not overflow: the row max is subtracted first.
        var z = Check.Random(rng, rows * classes, 5f);
        for (int j = 0; j < classes; j++) z[j] = 500f + j; // row 0: exp(500) would overflow float
        var labels = Enumerable.Range(0, rows).Select(_ => rng.Next(classes)).ToArray();
        labels[3] = -1; // ignored row
        var weights = Enumerable.Range(0, classes).Select(_ => (float)(0.5 + rng.NextDouble())).ToArray();

        foreach (var (w, smoothing) in new[] { (null, 0f), (weights, 0f), (null, 0.1f), (weights, 0.25f) })
        {
            var (rl, rc, rg) = Reference.SoftmaxCrossEntropy(z, labels, classes, w, smoothing);
            using var bz = Up(d, z); using var lab = d.AllocateInt(rows); lab.View.CopyFromCPU(labels);
            using var bw = w is null ? null : Up(d, w);
            using var dz = d.Allocate(rows * classes); using var sl = d.Allocate(rows); using var sc = d.Allocate(rows); using var stats = d.Allocate(2);
            d.SoftmaxCrossEntropy.Run(bz.View, lab.View, bw?.View, dz.View, sl.View, sc.View, stats.View, rows, classes, smoothing);
            var s = Down(d, stats, 2);
            Assert.True(float.IsFinite(s[0]));
            Assert.Equal(rl.Sum() / rows, s[0], 4);
            Assert.Equal(rc.Sum(), (int)s[1]);
            Check.Close(rg, Down(d, dz, rows * classes), atol: 1e-6f, what: "softmax-ce gradient");
        }
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Sgd_step_matches_pytorch_formula(string profile)
    {
        var d = Devices.Get(profile);
        var rng = new Random(6);
        int n = 5000;
        foreach (var (mu, wd, nesterov) in new[] { (0f, 0f, false), (0.9f, 1e-3f, false), (0.9f, 5e-4f, true) })
        {
            var w = Check.Random(rng, n); var g = Check.Random(rng, n); var v = Check.Random(rng, n);
            using var bw = Up(d, w); using var bg = Up(d, g); using var bv = Up(d, v);
            var s = new SgdSettings { LearningRate = 0.1f, Momentum = mu, WeightDecay = wd, Nesterov = nesterov ? 1 : 0 };
            d.Sgd.Step(bw.View, bg.View, bv.View, s);
            var ew = new float[n]; var ev = new float[n];
            for (int i = 0; i < n; i++)
            {
                float gi = g[i] + wd * w[i];
                ev[i] = mu * v[i] + gi;
                ew[i] = w[i] - 0.1f * (nesterov ? gi + mu * ev[i] : ev[i]);
            }
            Check.Close(ev, Down(d, bv, n), what: "sgd velocity");
            Check.Close(ew, Down(d, bw, n), what: "sgd weights");
        }
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Adam_steps_match_pytorch_formula(string profile)
    {
        var d = Devices.Get(profile);
        var rng = new Random(7);
        int n = 3000;
        foreach (var (wd, decoupled) in new[] { (0f, false), (1e-2f, false), (1e-2f, true) })
        {
            var w = Check.Random(rng, n); var m = new float[n]; var v = new float[n];
            using var bw = Up(d, w); using var bm = Up(d, m); using var bv = Up(d, v);
            double[] rw = w.Select(x => (double)x).ToArray(), rm = new double[n], rv = new double[n];
            const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
            for (int t = 1; t <= 3; t++)
            {
                var g = Check.Random(rng, n);
                using var bg = Up(d, g);
                d.Adam.Step(bw.View, bg.View, bm.View, bv.View, new AdamSettings
                {
                    LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps, WeightDecay = wd,
                    Correction1 = (float)(1 - Math.Pow(b1, t)), Correction2 = (float)(1 - Math.Pow(b2, t)), Decoupled = decoupled ? 1 : 0,
                });
                for (int i = 0; i < n; i++)
                {
                    // torch.optim.Adam / AdamW, step t.
                    double gi = g[i];
                    if (decoupled) rw[i] *= 1 - lr * wd; else gi += wd * rw[i];
                    rm[i] = b1 * rm[i] + (1 - b1) * gi;
                    rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
                    rw[i] -= lr * (rm[i] / (1 - Math.Pow(b1, t))) / (Math.Sqrt(rv[i] / (1 - Math.Pow(b2, t))) + eps);
                }
            }
            Check.Close(rm.Select(x => (float)x).ToArray(), Down(d, bm, n), what: $"adam m wd={wd} decoupled={decoupled}");
            Check.Close(rv.Select(x => (float)x).ToArray(), Down(d, bv, n), what: $"adam v wd={wd} decoupled={decoupled}");
            Check.Close(rw.Select(x => (float)x).ToArray(), Down(d, bw, n), what: $"adam weights wd={wd} decoupled={decoupled}");
        }
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Dropout_masks_are_seeded_scaled_and_at_the_asked_rate(string profile)
    {
        var d = Devices.Get(profile);
        int n = 20000;
        var x = Check.Random(new Random(8), n);
        using var bx = Up(d, x); using var by = d.Allocate(n); using var mask = d.Allocate(n); using var bdx = d.Allocate(n);
        float[] Run(uint seed, uint step)
        {
            d.Dropout.Forward(bx.View, by.View, mask.View, n, 0.3f, seed, step);
            return Down(d, by, n);
        }
        var a = Run(1, 5);
        // Against the plain reference: the same hash decides, kept values are scaled by 1/(1-p).
        var expected = x.Select((v, i) => DropoutKernels.Uniform(1, 5, (uint)i) >= 0.3f ? v / 0.7f : 0f).ToArray();
        Check.Close(expected, a, what: "dropout forward");
        double dropped = a.Count(v => v == 0f) / (double)n;
        Assert.InRange(dropped, 0.28, 0.32);
        Assert.Equal(a, Run(1, 5));                     // same seed and step: same mask
        Assert.NotEqual(a, Run(1, 6));                  // the next step draws anew
        Assert.NotEqual(a, Run(2, 5));                  // so does another seed
        Run(1, 5);
        using var bdy = Up(d, x);
        d.Dropout.Backward(bdy.View, mask.View, bdx.View, n);
        Check.Close(expected, Down(d, bdx, n), what: "dropout backward");
    }
}
