using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>Dense matrix multiply with strided (optionally transposed) operands, plus the column sum a bias gradient needs.</summary>
public static class GemmKernels
{
    /// <summary>C = op(A) op(B) (+ bias[j]) (+ C). Tiles: the single plane C of M x N.</summary>
    public static void Gemm(Index1D thread, ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias,
        ArrayView<float> c, GemmGeometry g, TileGrid grid, int hasBias)
    {
        if (thread >= grid.ThreadCount) return;
        var tile = grid.At(thread);
        for (int i = tile.Row0; i < tile.Row1; i++)
        {
            int aRow = i * g.ARow;
            for (int j = tile.Col0; j < tile.Col1; j++)
            {
                float acc = hasBias != 0 ? bias[j] : 0f;
                if (g.Accumulate != 0) acc += c[i * g.Ldc + j];
                int bCol = j * g.BCol;
                for (int k = 0; k < g.K; k++)
                    acc += a[aRow + k * g.ACol] * b[k * g.BRow + bCol];
                c[i * g.Ldc + j] = acc;
            }
        }
    }

    /// <summary>sums[j] = sum over rows i of m[i, j], for a row-major [rows, cols] matrix. Tiles: chunks of columns.</summary>
    public static void ColumnSum(Index1D thread, ArrayView<float> m, ArrayView<float> sums, int rows, int cols, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        for (int j = grid.Start(thread); j < grid.End(thread); j++)
        {
            float acc = 0f;
            for (int i = 0; i < rows; i++) acc += m[i * cols + j];
            sums[j] = acc;
        }
    }
}

public sealed class GemmOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmGeometry, TileGrid, int> gemm;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int, ChunkGrid> columnSum;

    internal GemmOps(ComputeDevice device)
    {
        this.device = device;
        gemm = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmGeometry, TileGrid, int>(GemmKernels.Gemm);
        columnSum = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, ChunkGrid>(GemmKernels.ColumnSum);
    }

    public void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float>? bias, ArrayView<float> c, GemmGeometry g)
    {
        // Coarse: a thread per row of C, which reuses one row of A from cache across all of B.
        var grid = device.WorkShape == WorkShape.Coarse
            ? TileGrid.Create(1, g.M, g.N, 1, g.N)
            : TileGrid.Create(1, g.M, g.N, 1, 1);
        gemm(device.Stream, grid.ThreadCount, a, b, bias ?? device.Dummy, c, g, grid, bias.HasValue ? 1 : 0);
    }

    public void ColumnSum(ArrayView<float> m, ArrayView<float> sums, int rows, int cols)
    {
        var grid = ChunkGrid.TwoPerCore(device.WorkShape, cols, device.Processors);
        columnSum(device.Stream, grid.ThreadCount, m, sums, rows, cols, grid);
    }
}
