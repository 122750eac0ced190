using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// The packed operands of one convolution layer, allocated once for its largest batch (nothing is allocated per step).
/// </summary>
public sealed class ConvWorkspace : IDisposable
{
    internal ConvWorkspace(ComputeDevice a, ConvGeometry g, bool inputGradient, bool columns, bool denseWeightGradient = true,
        bool sparseInput = false)
    {
        if (sparseInput && (columns || g.Stride != 1))
            throw new ArgumentException("a forward over the input's non-zero pixels needs stride 1 and no multiply over columns");
        // The compacted output gradient keeps each pixel's position as (oh << 16 | ow).
        if (g.OH > short.MaxValue || g.OW > ushort.MaxValue) throw new ArgumentException($"convolution output {g.OH}x{g.OW} is too large");
        // Checked before anything is allocated.
        long columnQuads = ColumnQuadsFor(g, inputGradient);
        if (columns && columnQuads > MaxColumnQuads)
            throw new ArgumentException($"convolution {g.Cin}->{g.Cout} {g.KH}x{g.KW} on {g.H}x{g.W}, batch {g.N}: its columns would take " +
                $"{columnQuads * 16 / (1024 * 1024)} MiB, more than the {MaxColumnQuads * 16 / (1024 * 1024)} MiB a multiply over columns may use");
        Capacity = g.N;
        int taps = g.KH * g.KW, outBlocks = (g.Cout + 3) / 4, inBlocks = (g.Cin + 3) / 4;
        ForwardWeights = a.Allocate<Quad>(g.Cin * taps * outBlocks);
        InputGradientWeights = a.Allocate<Quad>(g.Cout * taps * inBlocks);
        // A convolution whose weight gradient is read through its max-pool never compacts a dense output gradient.
        HasDenseWeightGradient = denseWeightGradient;
        long compacted = denseWeightGradient ? (long)g.N * outBlocks * g.OH * g.OW : 1;
        OutputGradient = a.Allocate<Quad>(compacted);
        NonZeroAt = a.AllocateInt(compacted);
        NonZeroCount = a.AllocateInt((long)g.N * outBlocks);
        // Only the interior is written each step: the zero borders are made once, here.
        HasInputGradient = inputGradient;
        bool paddedOutputGradient = inputGradient && g.HasPaddedInputGradient && !(columns && g.HasInputGradientAsForward);
        PaddedOutputGradient = a.Allocate<float>(paddedOutputGradient ? (long)g.N * g.Cout * g.PaddedHeight * g.PaddedWidth : 1);
        PaddedOutputGradient.MemSetToZero();
        PaddedInput = a.Allocate<float>(g.HasPaddedInput ? (long)g.N * g.Cin * (g.H + 2 * g.Pad) * g.PaddedInputWidth : 1);
        PaddedInput.MemSetToZero();
        // The matrix-multiply formulation writes its columns here, the forward's and then the input gradient's.
        UsesColumns = columns;
        Columns = a.Allocate<Quad>(columns ? columnQuads : 1);
        // The scatter over the input's non-zero pixels: a region per thread of the widest batch's grid.
        ScattersInput = sparseInput;
        int threads = sparseInput ? SparseGrid(a, g.N).ThreadCount : 0;
        SparseForwardScratch = a.Allocate<float>(sparseInput ? (long)threads * SparseInputConvKernels.ForwardScratchLength(g) : 1);
        bool sparseGradient = sparseInput && !denseWeightGradient;
        SparseGradientScratch = a.Allocate<float>(sparseGradient ? (long)threads * SparseInputConvKernels.GradientScratchLength(g) : 1);
        // Its output-gradient maps start zero, and the kernel leaves them so.
        SparseGradientScratch.MemSetToZero();
    }

    /// <summary>The grid of the scatter over the input's non-zero pixels: whole images.</summary>
    internal static TileGrid SparseGrid(ComputeDevice a, int images) => TileGrid.For(a.WorkShape, images, 1, 1, a.Processors);

    /// <summary>
    /// Whether the forward, and the weight gradient through a pool, scatter from the input's non-zero pixels
    /// (<see cref="SparseInputConvKernels"/>): a first layer on the CPU accelerator.
    /// </summary>
    public bool ScattersInput { get; }
    internal MemoryBuffer1D<float, Stride1D.Dense> SparseForwardScratch { get; }
    internal MemoryBuffer1D<float, Stride1D.Dense> SparseGradientScratch { get; }

    public int Capacity { get; }

    /// <summary>The most Quads of columns a workspace may plan: 256 MiB, and every float offset stays an int.</summary>
    public const long MaxColumnQuads = 16L * 1024 * 1024;

    /// <summary>Quads of columns the multiply needs for the forward and, when planned, the input gradient (the larger).</summary>
    public static long ColumnQuadsFor(ConvGeometry g, bool inputGradient) =>
        Math.Max(g.ColumnQuads, inputGradient && g.HasInputGradientAsForward ? g.InputGradientAsForward.ColumnQuads : 0);

    /// <summary>Whether it was planned for input gradients (a first layer needs none).</summary>
    public bool HasInputGradient { get; }

    /// <summary>Whether it was planned for <see cref="ConvOps.BackwardWeights"/> over a dense output gradient, as
    /// every convolution is but one whose gradient comes through its pool (<see cref="ConvOps.BackwardWeightsThroughPool"/>).</summary>
    public bool HasDenseWeightGradient { get; }
    internal MemoryBuffer1D<Quad, Stride1D.Dense> ForwardWeights { get; }
    internal MemoryBuffer1D<Quad, Stride1D.Dense> InputGradientWeights { get; }
    internal MemoryBuffer1D<Quad, Stride1D.Dense> OutputGradient { get; }
    internal MemoryBuffer1D<int, Stride1D.Dense> NonZeroAt { get; }
    internal MemoryBuffer1D<int, Stride1D.Dense> NonZeroCount { get; }
    internal MemoryBuffer1D<float, Stride1D.Dense> PaddedOutputGradient { get; }
    internal MemoryBuffer1D<float, Stride1D.Dense> PaddedInput { get; }

    /// <summary>Whether the forward and the input gradient run as matrix multiplies over columns (<see cref="ConvGemmKernels"/>).</summary>
    public bool UsesColumns { get; }
    internal MemoryBuffer1D<Quad, Stride1D.Dense> Columns { get; }

    public void Dispose()
    {
        ForwardWeights.Dispose();
        InputGradientWeights.Dispose();
        OutputGradient.Dispose();
        NonZeroAt.Dispose();
        NonZeroCount.Dispose();
        PaddedOutputGradient.Dispose();
        PaddedInput.Dispose();
        Columns.Dispose();
        SparseForwardScratch.Dispose();
        SparseGradientScratch.Dispose();
    }
}

/// <summary>How a convolution's forward and input gradient are computed.</summary>
public enum ConvAlgorithm
{
    /// <summary>The one that measured faster for the layer's shape (<see cref="ConvOps.PrefersColumns"/>).</summary>
    Auto,
    /// <summary>Register-blocked kernels over the planes (<see cref="ConvKernels"/>).</summary>
    Direct,
    /// <summary>A matrix multiply over columns written out first (im2col, <see cref="ConvGemmKernels"/>).</summary>
    Columns,
}

/// <summary>The convolution kernels compiled for one device, and their launch shapes.</summary>
public sealed class ConvOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ConvGeometry, TileGrid, int, int, int> forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ConvGeometry, TileGrid> backwardInput;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid> backwardInputStrided;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid, int> backwardWeights;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<Quad>, ConvGeometry, int, ChunkGrid> packWeights;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ConvGeometry, int, ChunkGrid> packOutputGradient;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, ConvGeometry, int, ChunkGrid> inputGradientOperands;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, ConvGeometry, int, ChunkGrid> forwardOperands;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ArrayView<Quad>, ConvGeometry, int, ConvGeometry, int, int, ChunkGrid> columnOperands;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<Quad>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid, int, int, int> columnMultiply;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, PoolGeometry, int, int> weightGradientThroughPool;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ConvGeometry, PoolGeometry, int, TileGrid> inputGradientThroughPool;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvGeometry, TileGrid, int, int, int> sparseForward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ConvGeometry, PoolGeometry, int, TileGrid> sparseWeightGradient;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, int, int, ChunkGrid> sparseReduce;

    internal ConvOps(ComputeDevice device)
    {
        this.device = device;
        var a = device.Accelerator;
        forward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ConvGeometry, TileGrid, int, int, int>(ConvKernels.Forward);
        backwardInput = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ConvGeometry, TileGrid>(ConvKernels.BackwardInput);
        backwardInputStrided = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid>(ConvKernels.BackwardInputStrided);
        backwardWeights = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid, int>(ConvKernels.BackwardWeights);
        packWeights = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<Quad>, ConvGeometry, int, ChunkGrid>(ConvPacking.Weights);
        inputGradientOperands = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, ConvGeometry, int, ChunkGrid>(ConvPacking.InputGradientOperands);
        forwardOperands = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, ConvGeometry, int, ChunkGrid>(ConvPacking.ForwardOperands);
        columnOperands = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ArrayView<Quad>, ConvGeometry, int, ConvGeometry, int, int, ChunkGrid>(ConvGemmKernels.Operands);
        columnMultiply = a.LoadAutoGroupedKernel<Index1D, ArrayView<Quad>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, ConvGeometry, TileGrid, int, int, int>(ConvGemmKernels.Multiply);
        weightGradientThroughPool = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, PoolGeometry, int, int>(PooledConvGradientKernels.WeightGradient);
        inputGradientThroughPool = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ConvGeometry, PoolGeometry, int, TileGrid>(PooledConvGradientKernels.InputGradient);
        sparseForward = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ConvGeometry, TileGrid, int, int, int>(SparseInputConvKernels.Forward);
        sparseWeightGradient = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ConvGeometry, PoolGeometry, int, TileGrid>(SparseInputConvKernels.WeightGradient);
        sparseReduce = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvGeometry, int, int, ChunkGrid>(SparseInputConvKernels.ReduceWeightGradient);
        packOutputGradient = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ConvGeometry, int, ChunkGrid>(ConvPacking.OutputGradient);
    }

    /// <summary>
    /// Plans the packed buffers for batches of up to <c>g.N</c>, with or without the input gradient's, for the direct
    /// kernels or the matrix multiply over columns (<paramref name="algorithm"/>; by default the one that measured faster
    /// for such a layer).
    /// </summary>
    public ConvWorkspace CreateWorkspace(ConvGeometry g, bool inputGradient = true, ConvAlgorithm algorithm = ConvAlgorithm.Auto,
        bool denseWeightGradient = true, bool sparseInput = false) =>
        new(device, g, inputGradient, !sparseInput && (algorithm == ConvAlgorithm.Columns || (algorithm == ConvAlgorithm.Auto && PrefersColumns(g))),
            denseWeightGradient, sparseInput);

    /// <summary>
    /// Whether a layer that reads the network's input (strokes on a blank page, mostly zeros) should scatter from its
    /// non-zero pixels (<see cref="SparseInputConvKernels"/>): on the CPU accelerator, at stride 1. On symbol images (8%
    /// inked) its passes measured 1.7-2.7 times as fast as the dense kernels' (docs/performance.md). A GPU keeps the dense
    /// kernels, which give every output its own thread.
    /// </summary>
    public bool PrefersSparseInput(ConvGeometry g) => device.WorkShape == WorkShape.Coarse && g.Stride == 1;

    /// <summary>
    /// When set, what <see cref="ConvAlgorithm.Auto"/> means for workspaces made from then on: the benchmark's side-by-side
    /// of the two formulations inside whole training steps (<c>Solver.Bench --only conv-algorithms</c>). Null in use.
    /// </summary>
    public static ConvAlgorithm? AutoOverride { get; set; }

    /// <summary>
    /// Where the multiply over columns measured faster than the direct kernels on the CPU accelerator
    /// (docs/performance.md): a deep filter (64 or more multiply-adds per output value) over rows so short that blocks of
    /// four waste a fifth of their slots or more, as on a 9x9 map (12 slots for 9 pixels). The direct kernels won on
    /// 17-, 19- and 43-wide rows and on one-channel inputs. Not measured on a GPU, so the direct kernels stay there; nor
    /// where the columns would pass <see cref="ConvWorkspace.MaxColumnQuads"/>.
    /// </summary>
    public bool PrefersColumns(ConvGeometry g) =>
        AutoOverride is { } o ? o == ConvAlgorithm.Columns :
        device.WorkShape == WorkShape.Coarse && g.Cin * g.KH * g.KW >= 64 && (g.OW + 3) / 4 * 4 * 4 >= g.OW * 5
        && ConvWorkspace.ColumnQuadsFor(g, true) <= ConvWorkspace.MaxColumnQuads;

    /// <summary>
    /// The forward (or, over the output gradient, the input gradient) as a multiply over columns: operands in one launch,
    /// the multiply in another.
    /// </summary>
    private void MultiplyColumns(ArrayView<float> w, ConvGeometry wg, int acrossInputs, ArrayView<float> x, ConvGeometry cg,
        ArrayView<float>? bias, ArrayView<float> y, ConvWorkspace ws, ArrayView<Quad> packed, bool relu)
    {
        int panels = device.WorkShape == WorkShape.Coarse ? 1 : 0;
        int columnBlocks = cg.ColumnBlocks, channelBlocks = (cg.Cout + 3) / 4;
        var items = Chunks(packed.Length + (long)columnBlocks * cg.Cin);
        var columns = ws.Columns.View;
        columnOperands(device.Launch(), items.ThreadCount, w, packed, x, columns, wg, acrossInputs, cg, (int)packed.Length, panels, items);
        // Coarse: strips of column blocks across every channel block, a few strips per core.
        var grid = device.WorkShape == WorkShape.Coarse
            ? TileGrid.Create(1, columnBlocks, channelBlocks, (columnBlocks + 4 * device.Processors - 1) / (4 * device.Processors), channelBlocks)
            : TileGrid.Create(1, columnBlocks, channelBlocks, 1, 1);
        columnMultiply(device.Launch(), grid.ThreadCount, packed, columns, bias ?? device.Dummy, y, cg, grid,
            bias.HasValue ? 1 : 0, relu ? 1 : 0, panels);
    }

    private ChunkGrid Chunks(long length) => ChunkGrid.For(device.WorkShape, (int)length, device.Processors);

    private static void Check(ConvWorkspace ws, ConvGeometry g)
    {
        if (g.N > ws.Capacity) throw new ArgumentException($"batch {g.N} exceeds the convolution workspace's {ws.Capacity}");
    }

    /// <param name="bias">The bias, or null for a convolution without one.</param>
    /// <param name="relu">Apply ReLU to the output as it is stored (a ReLU layer fused into this one).</param>
    public void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float>? bias, ArrayView<float> y, ConvGeometry g, ConvWorkspace ws,
        bool relu = false)
    {
        Check(ws, g);
        if (ws.UsesColumns)
        {
            MultiplyColumns(w, g, 0, x, g, bias, y, ws, ws.ForwardWeights.View, relu);
            return;
        }
        if (ws.ScattersInput)
        {
            Sparse(x, w, bias, y, device.DummyInt, g, ws, relu, false);
            return;
        }
        Direct(x, w, bias, y, device.DummyInt, g, ws, relu, false);
    }

    /// <summary>
    /// The forward folded into the 2x2/2 max-pool after it (and the ReLU between, with <paramref name="relu"/>):
    /// <paramref name="pooled"/> and <paramref name="argmax"/> get what <see cref="PoolOps.Forward"/> would write from
    /// the convolution's output, which is never stored. For a first layer whose gradients come through the pool, which
    /// needs nothing else of that output; on the direct kernels or the scatter from the input's non-zero pixels, not the
    /// multiply over columns.
    /// </summary>
    public void ForwardPooled(ArrayView<float> x, ArrayView<float> w, ArrayView<float>? bias, ArrayView<float> pooled,
        ArrayView<int> argmax, ConvGeometry g, PoolGeometry p, ConvWorkspace ws, bool relu)
    {
        Check(ws, g);
        CheckPool(g, p);
        if (p.K != 2) throw new ArgumentException($"a forward folds only a 2x2/2 pool, not {p.K}x{p.K}/{p.Stride}");
        if (ws.UsesColumns) throw new ArgumentException("a forward folded into its pool runs on the direct kernels, and this workspace multiplies columns");
        if (ws.ScattersInput) Sparse(x, w, bias, pooled, argmax, g, ws, relu, true);
        else Direct(x, w, bias, pooled, argmax, g, ws, relu, true);
    }

    private void Sparse(ArrayView<float> x, ArrayView<float> w, ArrayView<float>? bias, ArrayView<float> y, ArrayView<int> argmax,
        ConvGeometry g, ConvWorkspace ws, bool relu, bool pooled)
    {
        var grid = ConvWorkspace.SparseGrid(device, g.N);
        sparseForward(device.Launch(), grid.ThreadCount, x, w, bias ?? device.Dummy, y, argmax, ws.SparseForwardScratch.View, g, grid,
            bias.HasValue ? 1 : 0, relu ? 1 : 0, pooled ? 1 : 0);
    }

    private void Direct(ArrayView<float> x, ArrayView<float> w, ArrayView<float>? bias, ArrayView<float> y, ArrayView<int> argmax,
        ConvGeometry g, ConvWorkspace ws, bool relu, bool pooled)
    {
        var packed = ws.ForwardWeights.View;
        if (g.HasPaddedInput)
        {
            // The padding written out once per step, in the weights' launch, so that every block slides.
            var items = Chunks(packed.Length + (long)g.N * g.Cin);
            var padded = ws.PaddedInput.View;
            forwardOperands(device.Launch(), items.ThreadCount, w, packed, x, padded, g, (int)packed.Length, items);
            x = padded;
            g = g.PaddedInput;
        }
        else
        {
            var chunks = Chunks(packed.Length);
            packWeights(device.Launch(), chunks.ThreadCount, w, packed, g, 0, chunks);
        }
        int planes = g.N * ((g.Cout + 3) / 4), blocks = (g.OW + 3) / 4;
        // Folded into the pool, a tile holds both rows of each window (on a GPU, a tile of two rows), and the last row of
        // an odd height is not computed.
        var grid = !pooled ? TileGrid.For(device.WorkShape, planes, g.OH, blocks, device.Processors)
            : device.WorkShape == WorkShape.Coarse ? TileGrid.For(WorkShape.Coarse, planes, g.OH / 2 * 2, blocks, device.Processors)
            : TileGrid.Create(planes, g.OH / 2 * 2, blocks, 2, 1);
        forward(device.Launch(), grid.ThreadCount, x, packed, bias ?? device.Dummy, y, argmax, g, grid,
            bias.HasValue ? 1 : 0, relu ? 1 : 0, pooled ? 1 : 0);
    }

    public void BackwardInput(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, ConvGeometry g, ConvWorkspace ws)
    {
        Check(ws, g);
        if (!ws.HasInputGradient) throw new ArgumentException("this convolution workspace was planned without input gradients");
        if (!g.HasPaddedInputGradient)
        {
            var strided = TileGrid.For(device.WorkShape, g.N * g.Cin, g.H, g.W, device.Processors);
            backwardInputStrided(device.Launch(), strided.ThreadCount, dy, w, dx, g, strided);
            return;
        }
        var packed = ws.InputGradientWeights.View;
        if (ws.UsesColumns && g.HasInputGradientAsForward)
        {
            MultiplyColumns(w, g, 1, dy, g.InputGradientAsForward, null, dx, ws, packed, false);
            return;
        }
        var padded = ws.PaddedOutputGradient.View;
        var items = Chunks(packed.Length + (long)g.N * g.Cout);
        inputGradientOperands(device.Launch(), items.ThreadCount, w, packed, dy, padded, g, (int)packed.Length, items);
        var grid = TileGrid.For(device.WorkShape, g.N * ((g.Cin + 3) / 4), g.H, (g.W + 3) / 4, device.Processors);
        backwardInput(device.Launch(), grid.ThreadCount, padded, packed, dx, g, grid);
    }

    /// <summary>dw, and db (the bias gradient, when given) in the same launch.</summary>
    public void BackwardWeights(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ArrayView<float>? db, ConvGeometry g, ConvWorkspace ws)
    {
        Check(ws, g);
        if (!ws.HasDenseWeightGradient) throw new ArgumentException("this convolution workspace was planned for weight gradients through a pool only");
        int blocks = (g.Cout + 3) / 4, entryBlocks = (g.Cin * g.KH * g.KW + 3) / 4;
        var packed = ws.OutputGradient.View;
        // With padding, x is also copied into the zero-bordered input in the same launch (its own copy: the forward's may
        // belong to another batch), and the weight gradient reads it as an unpadded convolution with no edge cases.
        int inputPlanes = g.HasPaddedInput ? g.N * g.Cin : 0;
        ArrayView<float> padded = g.HasPaddedInput ? ws.PaddedInput.View : device.Dummy;
        var chunks = Chunks(g.N * blocks + inputPlanes);
        packOutputGradient(device.Launch(), chunks.ThreadCount, dy, packed, ws.NonZeroAt.View, ws.NonZeroCount.View,
            x, padded, g, inputPlanes, chunks);
        if (g.HasPaddedInput)
        {
            x = padded;
            g = g.PaddedInput;
        }
        // One 4 x 4 block per thread on either shape: even a one-channel first layer has a few of them.
        var grid = TileGrid.Create(blocks, entryBlocks, 1, 1, 1);
        backwardWeights(device.Launch(), grid.ThreadCount, x, packed, ws.NonZeroAt.View, ws.NonZeroCount.View, dw,
            db ?? device.Dummy, g, grid, db.HasValue ? 1 : 0);
    }

    /// <summary>
    /// dw, and db when given, from the output gradient of the max-pool (disjoint windows) that this convolution feeds:
    /// <paramref name="pooledGradient"/>, the pool's arg-max and, when a ReLU sits between them, the pool's output
    /// (<paramref name="reluPooledOutput"/>), whose non-positive windows pass nothing. One launch
    /// (<see cref="PooledConvGradientKernels"/>), and no dense output gradient.
    /// </summary>
    public void BackwardWeightsThroughPool(ArrayView<float> x, ArrayView<float> pooledGradient, ArrayView<int> argmax,
        ArrayView<float>? reluPooledOutput, ArrayView<float> dw, ArrayView<float>? db, ConvGeometry g, PoolGeometry p,
        ConvWorkspace? ws = null)
    {
        CheckPool(g, p);
        if (ws is { ScattersInput: true, HasDenseWeightGradient: false })
        {
            // Each thread's partial sums from the input's non-zero pixels, then their sum: two launches.
            Check(ws, g);
            var grid = ConvWorkspace.SparseGrid(device, g.N);
            var scratch = ws.SparseGradientScratch.View;
            sparseWeightGradient(device.Launch(), grid.ThreadCount, x, pooledGradient, argmax, reluPooledOutput ?? device.Dummy,
                scratch, g, p, reluPooledOutput.HasValue ? 1 : 0, grid);
            var items = ChunkGrid.TwoPerCore(device.WorkShape, g.WeightLength + g.Cout, device.Processors);
            sparseReduce(device.Launch(), items.ThreadCount, scratch, dw, db ?? device.Dummy, g, grid.ThreadCount,
                db.HasValue ? 1 : 0, items);
            return;
        }
        weightGradientThroughPool(device.Launch(), PooledConvGradientKernels.ThreadCount(g), x, pooledGradient, argmax,
            reluPooledOutput ?? device.Dummy, dw, db ?? device.Dummy, g, p, reluPooledOutput.HasValue ? 1 : 0, db.HasValue ? 1 : 0);
    }

    /// <summary>
    /// dx from the output gradient of the disjoint max-pool this convolution feeds, as in
    /// <see cref="BackwardWeightsThroughPool"/>: a scatter from the windows' arg-max pixels
    /// (<see cref="PooledConvGradientKernels.InputGradient"/>), one launch. Cin must be a multiple of four.
    /// </summary>
    public void BackwardInputThroughPool(ArrayView<float> w, ArrayView<float> pooledGradient, ArrayView<int> argmax,
        ArrayView<float>? reluPooledOutput, ArrayView<float> dx, ConvGeometry g, PoolGeometry p)
    {
        CheckPool(g, p);
        if (g.Cin % 4 != 0) throw new ArgumentException($"an input gradient through the pool needs a multiple of four input channels, not {g.Cin}");
        var grid = TileGrid.For(device.WorkShape, PooledConvGradientKernels.InputGradientJobs(g), 1, 1, device.Processors);
        inputGradientThroughPool(device.Launch(), grid.ThreadCount, w, pooledGradient, argmax,
            reluPooledOutput ?? device.Dummy, dx, g, p, reluPooledOutput.HasValue ? 1 : 0, grid);
    }

    private static void CheckPool(ConvGeometry g, PoolGeometry p)
    {
        if (p.K != p.Stride || p.N != g.N || p.C != g.Cout || p.H != g.OH || p.W != g.OW)
            throw new ArgumentException($"a {p.K}x{p.K}/{p.Stride} pool over {p.C}x{p.H}x{p.W} is not a disjoint pool of this convolution's {g.Cout}x{g.OH}x{g.OW} output");
    }
}
