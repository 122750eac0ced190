using System.Runtime.CompilerServices;
using ILGPU;

namespace Solver.Kernels;

/// <summary>
/// A convolution as a matrix multiply (im2col): y[co, (n, p)] = sum over k = (ci, kh, kw) of w[co, k] * col[k, (n, p)],
/// where col holds the input pixel that tap k meets for output pixel p of image n. The columns are written out once per
/// pass, four consecutive output pixels of an image as a <see cref="Quad"/> per tap, so that the multiply has no edges,
/// no padding and no sliding: the plane's pixels are counted in blocks of four across the whole flattened plane (a 9x9
/// plane is 21 blocks, where rows of 4 make 27 with a quarter of them padding). The input gradient at stride 1 is the
/// same multiply over the output gradient, zero-padded by KH - 1 - Pad, with the flipped kernel
/// (<see cref="ConvGeometry.InputGradientAsForward"/>).
/// </summary>
public static class ConvGemmKernels
{
    /// <summary>
    /// Both operands in one launch. Items below <paramref name="weightQuads"/> are the packed weights of
    /// <paramref name="wg"/> (<see cref="ConvPacking.Weights"/>: forward, or flipped across inputs); the rest are pairs
    /// (column block, input channel) of <paramref name="cg"/>, each writing the KH x KW taps of one channel for four output
    /// pixels: cq[Index(block, k)], zero outside the input and past the plane's last pixel. Tiles: chunks of items.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Operands(Index1D thread, ArrayView<float> w, ArrayView<Quad> wq, ArrayView<float> x, ArrayView<Quad> cq,
        ConvGeometry wg, int acrossInputs, ConvGeometry cg, int weightQuads, int panels, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        int plane = cg.OH * cg.OW, planeBlocks = (plane + 3) / 4, columnBlocks = cg.ColumnBlocks;
        int taps = cg.KH * cg.KW, depth = cg.Cin * taps, s = cg.Stride;
        int kStep = GemmKernels.Index(0, 1, columnBlocks, depth, panels) * 4;
        fixed (float* xBase = &x[0])
        fixed (Quad* cBase = &cq[0])
        for (int q = grid.Start(thread); q < grid.End(thread); q++)
        {
            if (q < weightQuads)
            {
                ConvPacking.WeightQuad(w, wq, wg, acrossInputs, q);
                continue;
            }
            int item = q - weightQuads, block = item / cg.Cin, ci = item - block * cg.Cin;
            int n = block / planeBlocks, p0 = (block - n * planeBlocks) * 4;
            // Each pixel's first input row and column (pixels past the plane get a row that is never inside).
            int h0 = PixelRow(p0, plane, cg), h1 = PixelRow(p0 + 1, plane, cg), h2 = PixelRow(p0 + 2, plane, cg), h3 = PixelRow(p0 + 3, plane, cg);
            int w0 = p0 % cg.OW * s - cg.Pad, w1 = (p0 + 1) % cg.OW * s - cg.Pad, w2 = (p0 + 2) % cg.OW * s - cg.Pad, w3 = (p0 + 3) % cg.OW * s - cg.Pad;
            int xPlane = (n * cg.Cin + ci) * cg.H;
            float* dst = (float*)cBase + GemmKernels.Index(block, ci * taps, columnBlocks, depth, panels) * 4;
            for (int kh = 0; kh < cg.KH; kh++)
            for (int kw = 0; kw < cg.KW; kw++)
            {
                dst[0] = ConvKernels.Pixel(xBase, xPlane, h0 + kh, w0 + kw, cg.H, cg.W);
                dst[1] = ConvKernels.Pixel(xBase, xPlane, h1 + kh, w1 + kw, cg.H, cg.W);
                dst[2] = ConvKernels.Pixel(xBase, xPlane, h2 + kh, w2 + kw, cg.H, cg.W);
                dst[3] = ConvKernels.Pixel(xBase, xPlane, h3 + kh, w3 + kw, cg.H, cg.W);
                dst += kStep;
            }
        }
    }

    /// <summary>The first input row that output pixel p reads, or a row far below the input when p is past the plane.</summary>
    private static int PixelRow(int p, int plane, ConvGeometry g) => p < plane ? p / g.OW * g.Stride - g.Pad : g.H + g.KH;

    /// <summary>
    /// y[n, co, p] = b[co] + sum over k of w[co, k] * col[k, (n, p)] (then max(0, y) with <paramref name="relu"/>), from
    /// the weights packed k-major (<see cref="ConvPacking.Weights"/>) and the columns of <see cref="Operands"/>. A block is
    /// four output channels by four consecutive pixels of one image. Tiles: rows are column blocks, columns are output
    /// channel blocks, so that a coarse thread keeps one column panel in cache while it visits every channel block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Multiply(Index1D thread, ArrayView<Quad> wq, ArrayView<Quad> cq, ArrayView<float> b, ArrayView<float> y,
        ConvGeometry g, TileGrid grid, int hasBias, int relu, int panels)
    {
        // A coarse grid launches a few threads that stride over the tiles: on the CPU accelerator every
        // simulated thread costs microseconds (docs/performance.md), a GPU launches one per tile.
        for (int t = thread; t < grid.Tiles; t += grid.ThreadCount)
        {
            var tile = grid.At(t);
            int plane = g.OH * g.OW, planeBlocks = (plane + 3) / 4, columnBlocks = g.ColumnBlocks;
            int blocks = (g.Cout + 3) / 4, depth = g.Cin * g.KH * g.KW, wStep = blocks * 4;
            int cStep = GemmKernels.Index(0, 1, columnBlocks, depth, panels) * 4;
            fixed (Quad* wBase = &wq[0])
            fixed (Quad* cBase = &cq[0])
            fixed (float* yBase = &y[0])
            for (int block = tile.Row0; block < tile.Row1; block++)
            {
                int n = block / planeBlocks, p0 = (block - n * planeBlocks) * 4;
                float* column = (float*)cBase + GemmKernels.Index(block, 0, columnBlocks, depth, panels) * 4;
                for (int cb = tile.Col0; cb < tile.Col1; cb++)
                {
                    int c0 = cb * 4;
                    var bias = hasBias != 0 ? Quad.Gather(b, c0, 1, g.Cout - c0) : new Quad();
                    float a00 = bias.A, a01 = bias.A, a02 = bias.A, a03 = bias.A, a10 = bias.B, a11 = bias.B, a12 = bias.B, a13 = bias.B;
                    float a20 = bias.C, a21 = bias.C, a22 = bias.C, a23 = bias.C, a30 = bias.D, a31 = bias.D, a32 = bias.D, a33 = bias.D;
                    float* wp = (float*)wBase + c0, cp = column;
                    // The loop of GemmKernels.Gemm, written out again: a shared helper would have to hand sixteen accumulators
                    // back through memory, which is what the raw-pointer kernels were written to avoid.
                    for (int k = 0; k < depth; k++)
                    {
                        var r = Quad.At(wp);
                        var c = Quad.At(cp);
                        wp += wStep; cp += cStep;
                        a00 += r.A * c.A; a01 += r.A * c.B; a02 += r.A * c.C; a03 += r.A * c.D;
                        a10 += r.B * c.A; a11 += r.B * c.B; a12 += r.B * c.C; a13 += r.B * c.D;
                        a20 += r.C * c.A; a21 += r.C * c.B; a22 += r.C * c.C; a23 += r.C * c.D;
                        a30 += r.D * c.A; a31 += r.D * c.B; a32 += r.D * c.C; a33 += r.D * c.D;
                    }
                    ConvKernels.StoreBlock(yBase, (n * g.Cout + c0) * plane + p0, plane, plane - p0, g.Cout - c0, relu,
                        a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
                }
            }
        }
    }
}
