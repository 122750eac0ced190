using System.Reflection;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using Solver.Kernels;
using Xunit;

namespace Solver.Tests;

/// <summary>
/// Every kernel compiles to CUDA PTX and to OpenCL C with ILGPU's own backends, which need no device: the GPU paths
/// cannot run on these machines, but a kernel construct a GPU backend rejects (a runtime method, a pointer pattern it
/// cannot lower, a missing intrinsic) fails here, on every machine. The kernels' results are checked on the CPU
/// accelerator by <see cref="KernelTests"/>.
/// </summary>
public class BackendCompileTests
{
    public static IEnumerable<object[]> Backends => [["ptx"], ["opencl"]];

    private static List<MethodInfo> Kernels() =>
        typeof(ComputeDevice).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => Explicit(m) || m.GetParameters() is [var first, ..] && first.ParameterType.Namespace == "ILGPU"
                && first.ParameterType.Name.StartsWith("Index", StringComparison.Ordinal))
            .ToList();

    /// <summary>A kernel launched with explicit groups (shared memory, barriers): it takes no index.</summary>
    private static bool Explicit(MethodInfo m) => m.GetCustomAttribute<ExplicitlyGroupedAttribute>() is not null;

    [Fact]
    public void The_kernel_list_is_found_by_reflection()
    {
        var names = Kernels().Select(m => $"{m.DeclaringType!.Name}.{m.Name}").ToList();
        Assert.Contains("ConvKernels.Forward", names);
        Assert.Contains("GemmKernels.Gemm", names);
        Assert.Contains("ConvGemmKernels.Multiply", names);
        Assert.Contains("SoftmaxCrossEntropyKernels.Forward", names);
        Assert.Contains("TiledGemmKernels.Gemm", names);
        Assert.True(names.Count >= 20, string.Join(", ", names));
    }

    [Theory, MemberData(nameof(Backends))]
    public void Every_kernel_compiles_for_the_gpu_backends(string kind)
    {
        using var context = Context.Create(b => b.Cuda().OpenCL().EnableAlgorithms());
        using Backend backend = kind == "ptx"
            ? new PTXBackend(context, CudaArchitecture.SM_70, CudaInstructionSet.ISA_70, null!)
            : new CLBackend(context, new CLCapabilityContext(true, true, true, true, true),
                CLDeviceVendor.Other, new CLCVersion(2, 0));
        var failures = new List<string>();
        foreach (var kernel in Kernels())
        {
            try
            {
                var entry = Explicit(kernel) ? EntryPointDescription.FromExplicitlyGroupedKernel(kernel)
                    : EntryPointDescription.FromImplicitlyGroupedKernel(kernel);
                var compiled = backend.Compile(entry, new KernelSpecialization());
                string code = compiled is PTXCompiledKernel p ? p.PTXAssembly : ((CLCompiledKernel)compiled).Source;
                if (code.Length == 0) failures.Add($"{kernel.DeclaringType!.Name}.{kernel.Name}: empty code");
                // A .NET method ILGPU has no intrinsic for (MathF.FusedMultiplyAdd, say) becomes a call of an undefined
                // function, which compiles here and fails only when a GPU loads it.
                if (code.Contains(".extern .func", StringComparison.Ordinal))
                    failures.Add($"{kernel.DeclaringType!.Name}.{kernel.Name}: calls an undefined external function");
            }
            catch (Exception e)
            {
                failures.Add($"{kernel.DeclaringType!.Name}.{kernel.Name}: {e.GetBaseException().Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
