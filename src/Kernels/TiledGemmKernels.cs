using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>Marks a kernel launched with explicit groups (a <see cref="KernelConfig"/>, shared memory, barriers).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ExplicitlyGroupedAttribute : Attribute;

/// <summary>
/// The GPU's matrix multiply: a group of 256 threads computes a 64 x 64 tile of C, stepping through K sixteen at a
/// time. Each step the group copies a 64 x 16 slice of op(A) and a 16 x 64 slice of op(B) into shared memory (four
/// values per thread), waits at a barrier, and every thread multiplies the slices into its 4 x 4 block of
/// accumulators: 16 loads from shared memory per 64 multiply-adds, and each value of A and B read from device memory
/// once per tile instead of once per output. A thread's outputs are 16 rows and 16 columns apart, so neighbouring
/// threads read neighbouring shared values and store neighbouring columns of C. The CPU accelerator does not take
/// this path: a barrier there costs about 250 µs (docs/performance.md), and its coarse threads block in registers
/// instead (<see cref="GemmKernels"/>). Checked against the reference on the CPU accelerator's GPU-shaped profile.
/// </summary>
public static class TiledGemmKernels
{
    /// <summary>Rows and columns of C per group.</summary>
    public const int Tile = 64;

    /// <summary>Depth of one step through K.</summary>
    public const int Depth = 16;

    /// <summary>Threads per group: 16 x 16, each with 4 x 4 outputs.</summary>
    public const int GroupSize = 256;

    /// <summary>Groups to launch for C of M x N: one per tile.</summary>
    public static int Groups(GemmGeometry g) => (g.M + Tile - 1) / Tile * ((g.N + Tile - 1) / Tile);

    /// <summary>C = op(A) op(B) (+ bias[j]) (+ C), A and B read through the geometry's strides (no packing pass).</summary>
    [ExplicitlyGrouped]
    public static void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c,
        GemmGeometry g, int hasBias)
    {
        var aTile = SharedMemory.Allocate<float>(Depth * Tile);
        var bTile = SharedMemory.Allocate<float>(Depth * Tile);
        int tilesAcross = (g.N + Tile - 1) / Tile;
        int row0 = Grid.IdxX / tilesAcross * Tile, col0 = Grid.IdxX % tilesAcross * Tile;
        int t = Group.IdxX, tx = t % 16, ty = t / 16;
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (int k0 = 0; k0 < g.K; k0 += Depth)
        {
            // Four values of each slice per thread: A by (row, k) with k fastest, B by (k, column) with the column
            // fastest, so that a row-major A and B are read in runs.
            for (int l = 0; l < 4; l++)
            {
                int e = t + GroupSize * l;
                int ar = e / Depth, ak = e % Depth, row = row0 + ar, k = k0 + ak;
                aTile[ak * Tile + ar] = row < g.M && k < g.K ? a[row * g.ARow + k * g.ACol] : 0f;
                int bk = e / Tile, bc = e % Tile, col = col0 + bc;
                k = k0 + bk;
                bTile[bk * Tile + bc] = col < g.N && k < g.K ? b[k * g.BRow + col * g.BCol] : 0f;
            }
            Group.Barrier();
            for (int k = 0; k < Depth; k++)
            {
                int at = k * Tile;
                float a0 = aTile[at + ty], a1 = aTile[at + ty + 16], a2 = aTile[at + ty + 32], a3 = aTile[at + ty + 48];
                float b0 = bTile[at + tx], b1 = bTile[at + tx + 16], b2 = bTile[at + tx + 32], b3 = bTile[at + tx + 48];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }
        StoreRow(c, bias, g, hasBias, row0 + ty, col0 + tx, c00, c01, c02, c03);
        StoreRow(c, bias, g, hasBias, row0 + ty + 16, col0 + tx, c10, c11, c12, c13);
        StoreRow(c, bias, g, hasBias, row0 + ty + 32, col0 + tx, c20, c21, c22, c23);
        StoreRow(c, bias, g, hasBias, row0 + ty + 48, col0 + tx, c30, c31, c32, c33);
    }

    /// <summary>A thread's four outputs of one row, 16 columns apart, with the bias and, when accumulating, C.</summary>
    private static void StoreRow(ArrayView<float> c, ArrayView<float> bias, GemmGeometry g, int hasBias, int row, int col,
        float v0, float v1, float v2, float v3)
    {
        if (row >= g.M) return;
        if (col < g.N) GemmKernels.Store(c, bias, g, hasBias, row, col, v0);
        if (col + 16 < g.N) GemmKernels.Store(c, bias, g, hasBias, row, col + 16, v1);
        if (col + 32 < g.N) GemmKernels.Store(c, bias, g, hasBias, row, col + 32, v2);
        if (col + 48 < g.N) GemmKernels.Store(c, bias, g, hasBias, row, col + 48, v3);
    }
}
