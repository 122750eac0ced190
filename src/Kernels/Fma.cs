using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;

namespace Solver.Kernels;

/// <summary>
/// The multiply-add of the hot loops. On the CPU accelerator a kernel is the .NET method itself, and the JIT never
/// contracts <c>a * b + c</c> into one instruction, so <see cref="Mad"/> asks for the fused one (vfmadd), which is what the
/// machine's peak is made of. ILGPU 1.5 turns MathF.FusedMultiplyAdd into a call of an undefined external function on
/// its GPU backends, so every context the project makes (<see cref="WithKernelIntrinsics"/>) redirects Mad there to
/// <see cref="Plain"/>, which the CUDA and OpenCL compilers contract into their own fma.
/// </summary>
public static class Fma
{
    [IntrinsicImplementation, MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Mad(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    /// <summary>What GPU backends compile for <see cref="Mad"/>.</summary>
    public static float Plain(float a, float b, float c) => a * b + c;

    public static Context.Builder WithKernelIntrinsics(this Context.Builder builder)
    {
        var manager = builder.GetIntrinsicManager();
        var mad = typeof(Fma).GetMethod(nameof(Mad))!;
        manager.RegisterMethod(mad, new PTXIntrinsic(typeof(Fma), nameof(Plain), IntrinsicImplementationMode.Redirect));
        manager.RegisterMethod(mad, new CLIntrinsic(typeof(Fma), nameof(Plain), IntrinsicImplementationMode.Redirect));
        return builder;
    }
}
