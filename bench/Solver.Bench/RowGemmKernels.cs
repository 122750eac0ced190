using ILGPU;
using ILGPU.Runtime;

using Solver.Kernels;

namespace Solver.Bench;

/// <summary>The earlier GEMM (a dot product per output element, one multiply-add per two loads), kept only for the benchmark.</summary>
public static class RowGemmKernels
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
}
