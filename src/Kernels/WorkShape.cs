namespace Solver.Kernels;

/// <summary>
/// How much work one kernel thread does. ILGPU's CPU accelerator pays its overhead per simulated
/// thread, so there each thread takes a whole plane or row (coarse); a GPU wants one thread per
/// output element (fine). Every kernel takes its tile size as a parameter, so one code path serves both,
/// and the tests run both shapes on every accelerator.
/// </summary>
public enum WorkShape
{
    Coarse,
    Fine,
}
