using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// Dense matrix multiply with strided (optionally transposed) operands, register-blocked like the convolutions: the
/// operands are first packed into <see cref="Quad"/>s (four rows of op(A), four columns of op(B), per k), then each
/// thread computes 4 x 4 blocks of C with two array accesses per sixteen multiply-adds. Plus the column sum a bias
/// gradient needs.
/// </summary>
public static class GemmKernels
{
    /// <summary>
    /// Both operands in one launch: item q &lt; aLength is aq = op(A)[4rb..4rb+3, k] (zero past row M), the rest
    /// bq = op(B)[k, 4cb..4cb+3] (zero past column N), laid out as <see cref="Index"/> says.
    /// </summary>
    public static void Pack(Index1D thread, ArrayView<float> a, ArrayView<Quad> aq, ArrayView<float> b, ArrayView<Quad> bq,
        GemmGeometry g, int aLength, int panels, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        int rowBlocks = (g.M + 3) / 4, colBlocks = (g.N + 3) / 4;
        for (int q = grid.Start(thread); q < grid.End(thread); q++)
        {
            if (q < aLength)
            {
                int r0 = BlockOf(q, rowBlocks, g.K, panels) * 4, k = DepthOf(q, rowBlocks, g.K, panels);
                aq[q] = Quad.Gather(a, r0 * g.ARow + k * g.ACol, g.ARow, g.M - r0);
            }
            else
            {
                int qb = q - aLength;
                int c0 = BlockOf(qb, colBlocks, g.K, panels) * 4, k = DepthOf(qb, colBlocks, g.K, panels);
                bq[qb] = Quad.Gather(b, k * g.BRow + c0 * g.BCol, g.BCol, g.N - c0);
            }
        }
    }

    /// <summary>
    /// Where quad (block, k) of a packed operand lies. Panels (the CPU shape): each block's K quads one after the
    /// other, so a coarse thread streams both operands through the cache a line at a time. Otherwise (the GPU shape)
    /// k-major, so that neighbouring threads, which own neighbouring blocks, read neighbouring quads.
    /// </summary>
    public static int Index(int block, int k, int blocks, int depth, int panels) =>
        panels != 0 ? block * depth + k : k * blocks + block;

    /// <summary>The block of packed quad q: the inverse of <see cref="Index"/>, with <see cref="DepthOf"/>.</summary>
    private static int BlockOf(int q, int blocks, int depth, int panels) => panels != 0 ? q / depth : q % blocks;

    /// <summary>The k of packed quad q.</summary>
    private static int DepthOf(int q, int blocks, int depth, int panels) => panels != 0 ? q % depth : q / blocks;

    /// <summary>C = op(A) op(B) (+ bias[j]) (+ C). Tiles: the single plane of ceil(M/4) x ceil(N/4) blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Gemm(Index1D thread, ArrayView<Quad> aq, ArrayView<Quad> bq, ArrayView<float> bias,
        ArrayView<float> c, GemmGeometry g, TileGrid grid, int hasBias, int panels)
    {
        // A coarse grid launches a few threads that stride over the tiles: on the CPU accelerator every
        // simulated thread costs microseconds (docs/performance.md), a GPU launches one per tile.
        for (int t = thread; t < grid.Tiles; t += grid.ThreadCount)
        {
            var tile = grid.At(t);
            int rowBlocks = (g.M + 3) / 4, colBlocks = (g.N + 3) / 4;
            fixed (Quad* aBase = &aq[0])
            fixed (Quad* bBase = &bq[0])
            {
                float* a0 = (float*)aBase, b0 = (float*)bBase;
                // Floats from quad (block, k) to (block, k + 1).
                int aStep = Index(0, 1, rowBlocks, g.K, panels) * 4, bStep = Index(0, 1, colBlocks, g.K, panels) * 4;
                for (int rb = tile.Row0; rb < tile.Row1; rb++)
                for (int cb = tile.Col0; cb < tile.Col1; cb++)
                {
                    float a00 = 0f, a01 = 0f, a02 = 0f, a03 = 0f, a10 = 0f, a11 = 0f, a12 = 0f, a13 = 0f;
                    float a20 = 0f, a21 = 0f, a22 = 0f, a23 = 0f, a30 = 0f, a31 = 0f, a32 = 0f, a33 = 0f;
                    float* ap = a0 + Index(rb, 0, rowBlocks, g.K, panels) * 4, bp = b0 + Index(cb, 0, colBlocks, g.K, panels) * 4;
                    for (int k = 0; k < g.K; k++)
                    {
                        var r = Quad.At(ap);
                        var s = Quad.At(bp);
                        ap += aStep; bp += bStep;
                        a00 += r.A * s.A; a01 += r.A * s.B; a02 += r.A * s.C; a03 += r.A * s.D;
                        a10 += r.B * s.A; a11 += r.B * s.B; a12 += r.B * s.C; a13 += r.B * s.D;
                        a20 += r.C * s.A; a21 += r.C * s.B; a22 += r.C * s.C; a23 += r.C * s.D;
                        a30 += r.D * s.A; a31 += r.D * s.B; a32 += r.D * s.C; a33 += r.D * s.D;
                    }
                    StoreBlock(c, bias, g, hasBias, rb * 4, cb * 4, a00, a01, a02, a03, a10, a11, a12, a13,
                        a20, a21, a22, a23, a30, a31, a32, a33);
                }
            }
        }
    }

    /// <summary>
    /// The block's four rows in one call, so that no accumulator lives across a call: the JIT spills values that do
    /// (every xmm register is caller-saved on x64 Linux), and it did so inside the k loop, twelve stores per step.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreBlock(ArrayView<float> c, ArrayView<float> bias, GemmGeometry g, int hasBias, int row, int col,
        float a00, float a01, float a02, float a03, float a10, float a11, float a12, float a13,
        float a20, float a21, float a22, float a23, float a30, float a31, float a32, float a33)
    {
        StoreRow(c, bias, g, hasBias, row, col, a00, a01, a02, a03);
        StoreRow(c, bias, g, hasBias, row + 1, col, a10, a11, a12, a13);
        StoreRow(c, bias, g, hasBias, row + 2, col, a20, a21, a22, a23);
        StoreRow(c, bias, g, hasBias, row + 3, col, a30, a31, a32, a33);
    }

    /// <summary>Writes the part of a block row that lies inside C, adding the bias and, when accumulating, C.</summary>
    private static void StoreRow(ArrayView<float> c, ArrayView<float> bias, GemmGeometry g, int hasBias, int row, int col,
        float v0, float v1, float v2, float v3)
    {
        if (row >= g.M) return;
        Store(c, bias, g, hasBias, row, col, v0);
        if (col + 1 < g.N) Store(c, bias, g, hasBias, row, col + 1, v1);
        if (col + 2 < g.N) Store(c, bias, g, hasBias, row, col + 2, v2);
        if (col + 3 < g.N) Store(c, bias, g, hasBias, row, col + 3, v3);
    }

    /// <summary>C[row, col] = v (+ bias[col]) (+ C[row, col]).</summary>
    internal static void Store(ArrayView<float> c, ArrayView<float> bias, GemmGeometry g, int hasBias, int row, int col, float v)
    {
        int at = row * g.Ldc + col;
        if (hasBias != 0) v += bias[col];
        if (g.Accumulate != 0) v += c[at];
        c[at] = v;
    }

    /// <summary>sums[j] = sum over rows i of m[i, j], for a row-major [rows, cols] matrix. Tiles: chunks of columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ColumnSum(Index1D thread, ArrayView<float> m, ArrayView<float> sums, int rows, int cols, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        fixed (float* mBase = &m[0])
            for (int j = grid.Start(thread); j < grid.End(thread); j++)
            {
                float acc = 0f;
                for (int i = 0; i < rows; i++) acc += mBase[i * cols + j];
                sums[j] = acc;
            }
    }
}

/// <summary>
/// The packed operands of a layer's matrix multiplies, allocated once for the largest of them; empty where the multiplies
/// read their operands in place (<see cref="GemmOps.UsesTiles"/>).
/// </summary>
public sealed class GemmWorkspace : IDisposable
{
    internal GemmWorkspace(ComputeDevice a, IReadOnlyList<GemmGeometry> shapes, bool packed)
    {
        ACapacity = packed ? shapes.Max(g => (long)(g.M + 3) / 4 * g.K) : 0;
        BCapacity = packed ? shapes.Max(g => (long)(g.N + 3) / 4 * g.K) : 0;
        A = a.Allocate<Quad>(Math.Max(1, ACapacity));
        B = a.Allocate<Quad>(Math.Max(1, BCapacity));
    }

    internal long ACapacity { get; }
    internal long BCapacity { get; }
    internal MemoryBuffer1D<Quad, Stride1D.Dense> A { get; }
    internal MemoryBuffer1D<Quad, Stride1D.Dense> B { get; }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}

public sealed class GemmOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<Quad>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, GemmGeometry, TileGrid, int, int> gemm;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ArrayView<Quad>, GemmGeometry, int, int, ChunkGrid> pack;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int, ChunkGrid> columnSum;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmGeometry, int>? tiled;

    internal GemmOps(ComputeDevice device)
    {
        this.device = device;
        var a = device.Accelerator;
        gemm = a.LoadAutoGroupedKernel<Index1D, ArrayView<Quad>, ArrayView<Quad>, ArrayView<float>, ArrayView<float>, GemmGeometry, TileGrid, int, int>(GemmKernels.Gemm);
        pack = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<Quad>, ArrayView<float>, ArrayView<Quad>, GemmGeometry, int, int, ChunkGrid>(GemmKernels.Pack);
        columnSum = a.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, ChunkGrid>(GemmKernels.ColumnSum);
        if (UsesTiles)
            tiled = a.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmGeometry, int>(TiledGemmKernels.Gemm);
    }

    /// <summary>
    /// Whether multiplies run as <see cref="TiledGemmKernels"/> (groups of 256 threads sharing tiles of A and B): on a
    /// device with fine work per thread and such groups, that is a GPU. The coarse CPU shape blocks in registers instead.
    /// </summary>
    public bool UsesTiles => device.WorkShape == WorkShape.Fine && device.Accelerator.MaxNumThreadsPerGroup >= TiledGemmKernels.GroupSize;

    /// <summary>Plans the packed buffers for every multiply a layer will make.</summary>
    public GemmWorkspace CreateWorkspace(params GemmGeometry[] shapes) => new(device, shapes, packed: !UsesTiles);

    public void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float>? bias, ArrayView<float> c, GemmGeometry g, GemmWorkspace ws)
    {
        if (tiled is not null)
        {
            // Reads A and B where they are: no packing launch, and the workspace holds nothing.
            if (g.M > 0 && g.N > 0)
                tiled(device.Launch(), new KernelConfig(TiledGemmKernels.Groups(g), TiledGemmKernels.GroupSize), a, b, bias ?? device.Dummy, c, g,
                    bias.HasValue ? 1 : 0);
            return;
        }
        int rowBlocks = (g.M + 3) / 4, colBlocks = (g.N + 3) / 4;
        long aLength = (long)rowBlocks * g.K, bLength = (long)colBlocks * g.K;
        if (aLength > ws.ACapacity || bLength > ws.BCapacity) throw new ArgumentException($"GEMM {g.M}x{g.N}x{g.K} exceeds its workspace");
        var aq = ws.A.View.SubView(0, Math.Max(1, aLength));
        var bq = ws.B.View.SubView(0, Math.Max(1, bLength));
        var chunks = ChunkGrid.For(device.WorkShape, (int)(aLength + bLength), device.Processors);
        int panels = device.WorkShape == WorkShape.Coarse ? 1 : 0;
        pack(device.Launch(), chunks.ThreadCount, a, aq, b, bq, g, (int)aLength, panels, chunks);
        TileGrid grid;
        if (device.WorkShape == WorkShape.Coarse)
        {
            // Strips of column blocks, enough of them to keep every core busy even when C has few rows.
            int across = Math.Clamp((4 * device.Processors + rowBlocks - 1) / rowBlocks, 1, colBlocks);
            grid = TileGrid.Create(1, rowBlocks, colBlocks, 1, (colBlocks + across - 1) / across);
        }
        else grid = TileGrid.Create(1, rowBlocks, colBlocks, 1, 1);
        gemm(device.Launch(), grid.ThreadCount, aq, bq, bias ?? device.Dummy, c, g, grid, bias.HasValue ? 1 : 0, panels);
    }

    public void ColumnSum(ArrayView<float> m, ArrayView<float> sums, int rows, int cols)
    {
        var grid = ChunkGrid.TwoPerCore(device.WorkShape, cols, device.Processors);
        columnSum(device.Launch(), grid.ThreadCount, m, sums, rows, cols, grid);
    }
}
