namespace Solver.Kernels;

/// <summary>
/// Four floats loaded as one element. On the CPU accelerator every ArrayView access pays ILGPU's range checks, so
/// kernels pack the four values a register block needs together (four channels of one weight tap or of one pixel)
/// and fetch them with one access instead of four.
/// </summary>
public struct Quad
{
    public float A, B, C, D;

    public Quad(float a, float b, float c, float d)
    {
        A = a; B = b; C = c; D = d;
    }
}
