using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// Repacks convolution operands into <see cref="Quad"/>s of four channels, the layout the register-blocked kernels
/// read. Channels past the end of the last block are zero. Each costs one pass over a tensor per step.
/// </summary>
public static class ConvPacking
{
    /// <summary>
    /// Four channels of one weight tap as a Quad. Forward (<paramref name="acrossInputs"/> = 0): wq[(ci*taps + t)*CoB + cb]
    /// = w[4cb..4cb+3, ci, t], four output channels. Input gradient (1): wq[(co*taps + t)*CiB + cb] =
    /// w[co, 4cb..4cb+3, taps - 1 - t], four input channels of the flipped kernel.
    /// </summary>
    public static void Weights(Index1D thread, ArrayView<float> w, ArrayView<Quad> wq, ConvGeometry g, int acrossInputs, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        for (int q = grid.Start(thread); q < grid.End(thread); q++) WeightQuad(w, wq, g, acrossInputs, q);
    }

    internal static void WeightQuad(ArrayView<float> w, ArrayView<Quad> wq, ConvGeometry g, int acrossInputs, int q)
    {
        int taps = g.KH * g.KW, blocks = ((acrossInputs != 0 ? g.Cin : g.Cout) + 3) / 4;
        int cb = q % blocks, rest = q / blocks;
        int t = rest % taps, other = rest / taps;
        int c0 = cb * 4;
        // w[co, ci, t]: consecutive input channels are taps apart, consecutive output channels Cin * taps.
        wq[q] = acrossInputs != 0
            ? Quad.Gather(w, (other * g.Cin + c0) * taps + taps - 1 - t, taps, g.Cin - c0)
            : Quad.Gather(w, (c0 * g.Cin + other) * taps + t, g.Cin * taps, g.Cout - c0);
    }

    /// <summary>
    /// The output gradient of plane (n, cb), four output channels of a pixel as a Quad, compacted to the pixels where
    /// any of the four is non-zero: dq[plane*OH*OW + k] is the k-th such pixel's Quad, at[plane*OH*OW + k] its
    /// position (oh &lt;&lt; 16 | ow), count[plane] how many. Behind a ReLU and a max-pool most of dy is zero, so the
    /// weight gradient visits a fraction of the pixels. Items past the N * CoB planes, <paramref name="inputPlanes"/> of
    /// them (none without padding), copy the planes (n, ci) of x into the workspace's zero-bordered input, as
    /// <see cref="ForwardOperands"/> does, so that the weight gradient, too, reads it without bounds checks. Tiles:
    /// chunks of items, plane = n * CoB + cb.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void OutputGradient(Index1D thread, ArrayView<float> dy, ArrayView<Quad> dq, ArrayView<int> at,
        ArrayView<int> count, ArrayView<float> x, ArrayView<float> padded, ConvGeometry g, int inputPlanes, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        int plane = g.OH * g.OW, blocks = (g.Cout + 3) / 4, planes = g.N * blocks;
        fixed (float* dyBase = &dy[0])
        fixed (Quad* dqBase = &dq[0])
        fixed (int* atBase = &at[0])
        fixed (int* countBase = &count[0])
        fixed (float* xBase = &x[0])
        fixed (float* paddedBase = &padded[0])
        for (int pl = grid.Start(thread); pl < grid.End(thread); pl++)
        {
            if (pl >= planes)
            {
                CopyIntoPadded(xBase, paddedBase, pl - planes, g);
                continue;
            }
            int n = pl / blocks, c0 = (pl - n * blocks) * 4, rows = g.Cout - c0;
            float* src = dyBase + (n * g.Cout + c0) * plane;
            float* dst = (float*)dqBase + pl * plane * 4;
            int* list = atBase + pl * plane;
            int k = 0;
            for (int oh = 0; oh < g.OH; oh++)
            for (int ow = 0; ow < g.OW; ow++)
            {
                int p = oh * g.OW + ow;
                float v0 = src[p], v1 = rows > 1 ? src[p + plane] : 0f;
                float v2 = rows > 2 ? src[p + 2 * plane] : 0f, v3 = rows > 3 ? src[p + 3 * plane] : 0f;
                if (v0 == 0f && v1 == 0f && v2 == 0f && v3 == 0f) continue;
                dst[k * 4] = v0; dst[k * 4 + 1] = v1; dst[k * 4 + 2] = v2; dst[k * 4 + 3] = v3;
                list[k] = (oh << 16) | ow;
                k++;
            }
            countBase[pl] = k;
        }
    }

    /// <summary>
    /// Both operands of the input gradient in one launch. Items below <paramref name="weightQuads"/> are the flipped
    /// kernel's Quads (<see cref="Weights"/> across inputs); the rest are the planes (n, co) of dy, each copied into the
    /// interior of the workspace's padded plane (<see cref="ConvGeometry.PaddedHeight"/> x
    /// <see cref="ConvGeometry.PaddedWidth"/>, at KH-1-Pad, KW-1-Pad), whose borders were zeroed once when it was made.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void InputGradientOperands(Index1D thread, ArrayView<float> w, ArrayView<Quad> wq, ArrayView<float> dy,
        ArrayView<float> padded, ConvGeometry g, int weightQuads, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        int ph = g.PaddedHeight, pw = g.PaddedWidth, top = g.KH - 1 - g.Pad, left = g.KW - 1 - g.Pad;
        fixed (float* src = &dy[0])
        fixed (float* dst = &padded[0])
        for (int q = grid.Start(thread); q < grid.End(thread); q++)
        {
            if (q < weightQuads)
            {
                WeightQuad(w, wq, g, 1, q);
                continue;
            }
            CopyIntoInterior(src, dst, q - weightQuads, g.OH, g.OW, ph, pw, top, left);
        }
    }

    /// <summary>
    /// The forward's operands in one launch, for a padded convolution at stride 1: items below
    /// <paramref name="weightQuads"/> are the weights' Quads (<see cref="Weights"/>), the rest are the planes (n, ci) of x,
    /// each copied into the interior of the workspace's zero-bordered plane of (H + 2 Pad) x
    /// <see cref="ConvGeometry.PaddedInputWidth"/> (at Pad, Pad), whose borders were zeroed once when it was made.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ForwardOperands(Index1D thread, ArrayView<float> w, ArrayView<Quad> wq, ArrayView<float> x,
        ArrayView<float> padded, ConvGeometry g, int weightQuads, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        fixed (float* src = &x[0])
        fixed (float* dst = &padded[0])
        for (int q = grid.Start(thread); q < grid.End(thread); q++)
        {
            if (q < weightQuads) WeightQuad(w, wq, g, 0, q);
            else CopyIntoPadded(src, dst, q - weightQuads, g);
        }
    }

    /// <summary>Plane (n, ci) of x into the interior of its zero-bordered plane: rows and columns start at Pad.</summary>
    private static unsafe void CopyIntoPadded(float* x, float* padded, int plane, ConvGeometry g) =>
        CopyIntoInterior(x, padded, plane, g.H, g.W, g.H + 2 * g.Pad, g.PaddedInputWidth, g.Pad, g.Pad);

    /// <summary>
    /// Plane <paramref name="plane"/> of rows x cols values into the plane of the same index in a larger, zero-bordered
    /// buffer of padRows x padCols, starting at (top, left); the borders are left as they are.
    /// </summary>
    private static unsafe void CopyIntoInterior(float* src, float* dst, int plane, int rows, int cols, int padRows, int padCols,
        int top, int left)
    {
        for (int r = 0; r < rows; r++)
        {
            float* from = src + (plane * rows + r) * cols;
            float* to = dst + ((plane * padRows + top + r) * padCols + left);
            for (int c = 0; c < cols; c++) to[c] = from[c];
        }
    }
}
