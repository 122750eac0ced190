using System.Runtime.CompilerServices;
using ILGPU;

namespace Solver.Kernels;

/// <summary>
/// Four floats used as one element: kernels pack the four values a register block needs together (four channels of
/// one weight tap or of one pixel), so the hot loops read them from one place, contiguous in memory.
/// </summary>
public struct Quad
{
    public float A, B, C, D;

    public Quad(float a, float b, float c, float d)
    {
        A = a; B = b; C = c; D = d;
    }

    /// <summary>The four floats at <paramref name="p"/>: a packed element read through a raw pointer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Quad At(float* p) => new(p[0], p[1], p[2], p[3]);

    /// <summary>
    /// v[at], v[at + stride], v[at + 2 stride], v[at + 3 stride]; only the first <paramref name="count"/> are read, the
    /// rest are zero (the channels or rows past the end of a last, partial block).
    /// </summary>
    public static Quad Gather(ArrayView<float> v, int at, int stride, int count) =>
        new(v[at], count > 1 ? v[at + stride] : 0f, count > 2 ? v[at + 2 * stride] : 0f, count > 3 ? v[at + 3 * stride] : 0f);
}
