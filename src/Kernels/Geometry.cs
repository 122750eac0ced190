namespace Solver.Kernels;

/// <summary>Shapes of a batched NCHW 2-D convolution (cross-correlation, as in PyTorch).</summary>
public struct ConvGeometry
{
    public int N, Cin, H, W, Cout, KH, KW, Stride, Pad, OH, OW;

    public static ConvGeometry Create(int n, int cin, int h, int w, int cout, int kh, int kw, int stride, int pad)
    {
        if (stride < 1) throw new ArgumentException($"conv stride must be >= 1, got {stride}");
        if (pad < 0) throw new ArgumentException($"conv padding must be >= 0, got {pad}");
        int oh = (h + 2 * pad - kh) / stride + 1;
        int ow = (w + 2 * pad - kw) / stride + 1;
        if (h + 2 * pad < kh || w + 2 * pad < kw || oh < 1 || ow < 1)
            throw new ArgumentException($"conv kernel {kh}x{kw} does not fit input {h}x{w} with padding {pad}");
        return new ConvGeometry { N = n, Cin = cin, H = h, W = w, Cout = cout, KH = kh, KW = kw, Stride = stride, Pad = pad, OH = oh, OW = ow };
    }

    public int InputLength => N * Cin * H * W;
    public int OutputLength => N * Cout * OH * OW;
    public int WeightLength => Cout * Cin * KH * KW;

    /// <summary>
    /// Whether the input gradient is a plain correlation of the output gradient, zero-padded by
    /// <see cref="PaddedHeight"/>/<see cref="PaddedWidth"/>, with the flipped kernel: stride 1 and padding below the kernel.
    /// </summary>
    public bool HasPaddedInputGradient => Stride == 1 && Pad <= KH - 1 && Pad <= KW - 1;

    /// <summary>Rows of a padded output-gradient plane: KH - 1 - Pad zero rows each side, which makes H + KH - 1.</summary>
    public int PaddedHeight => H + KH - 1;

    /// <summary>Columns of a padded output-gradient plane: room for every 4-wide block of W, and KW - 1 more.</summary>
    public int PaddedWidth => (W + 3) / 4 * 4 + KW - 1;
    /// <summary>
    /// Whether the forward reads a zero-bordered copy of the input (<see cref="PaddedInput"/>): stride 1 with padding,
    /// where otherwise every block touching the border, or the row's end, takes the bounds-checked path (20 of 27 blocks
    /// of a 9x9 map).
    /// </summary>
    public bool HasPaddedInput => Stride == 1 && Pad > 0;

    /// <summary>Columns of the zero-bordered input: Pad zeros on the left, then room for every 4-wide output block.</summary>
    public int PaddedInputWidth => (OW + 3) / 4 * 4 + KW - 1;

    /// <summary>
    /// The same convolution over the zero-bordered input, H + 2 Pad rows of <see cref="PaddedInputWidth"/>: no padding,
    /// the same output (OH and OW are kept, not derived from the wider rows), and no block that reaches past an edge.
    /// </summary>
    public ConvGeometry PaddedInput
    {
        get
        {
            var g = this;
            g.H = H + 2 * Pad;
            g.W = PaddedInputWidth;
            g.Pad = 0;
            return g;
        }
    }

    /// <summary>
    /// The input gradient as a forward convolution (<see cref="HasPaddedInputGradient"/> with a square kernel): over the
    /// output gradient (Cout channels of OH x OW), padded by KH - 1 - Pad, to Cin channels of H x W, with the flipped
    /// kernel.
    /// </summary>
    public ConvGeometry InputGradientAsForward => Create(N, Cout, OH, OW, Cin, KH, KW, 1, KH - 1 - Pad);

    /// <summary>Whether <see cref="InputGradientAsForward"/> exists: stride 1, padding below the kernel, a square kernel.</summary>
    public bool HasInputGradientAsForward => HasPaddedInputGradient && KH == KW;

    /// <summary>Blocks of four consecutive output pixels of one image, over the batch: the columns of a matrix-multiply forward.</summary>
    public int ColumnBlocks => N * ((OH * OW + 3) / 4);

    /// <summary>Quads of the columns a matrix-multiply forward reads: each column block by every tap of every input channel.</summary>
    public long ColumnQuads => (long)ColumnBlocks * Cin * KH * KW;

    /// <summary>Multiply-adds of the forward pass, times two.</summary>
    public long ForwardFlops => 2L * N * Cout * OH * OW * Cin * KH * KW;
}

/// <summary>Shapes of a batched NCHW max-pooling with no padding (floor mode).</summary>
public struct PoolGeometry
{
    public int N, C, H, W, K, Stride, OH, OW;

    public static PoolGeometry Create(int n, int c, int h, int w, int k, int stride)
    {
        if (k < 1 || stride < 1) throw new ArgumentException($"pool kernel and stride must be >= 1, got {k} and {stride}");
        if (h < k || w < k) throw new ArgumentException($"pool kernel {k} does not fit input {h}x{w}");
        return new PoolGeometry { N = n, C = c, H = h, W = w, K = k, Stride = stride, OH = (h - k) / stride + 1, OW = (w - k) / stride + 1 };
    }

    public int InputLength => N * C * H * W;
    public int OutputLength => N * C * OH * OW;
}

/// <summary>
/// C[M,N] = op(A)[M,K] * op(B)[K,N] (+ bias[N]) (+ C when accumulating), row-major C with leading dimension Ldc.
/// A transposed operand is just other strides: element (i,k) of A is at i*ARow + k*ACol.
/// </summary>
public struct GemmGeometry
{
    public int M, N, K;
    public int ARow, ACol, BRow, BCol, Ldc;
    public int Accumulate;

    public long Flops => 2L * M * N * K;

    /// <summary>A is [M,K] row-major or, when <paramref name="transA"/>, stored as [K,M]; likewise B as [K,N] or [N,K].</summary>
    public static GemmGeometry Create(int m, int n, int k, bool transA, bool transB, bool accumulate = false) => new()
    {
        M = m, N = n, K = k,
        ARow = transA ? 1 : k, ACol = transA ? m : 1,
        BRow = transB ? 1 : n, BCol = transB ? k : 1,
        Ldc = n, Accumulate = accumulate ? 1 : 0,
    };
}
