using ILGPU.Runtime.CPU;
using Solver.Kernels;

namespace Solver.Tests;

/// <summary>
/// Every device test runs once per profile: the CPU accelerator in ILGPU's default shape and in a GPU-like
/// shape (warp 32, groups of up to 1024), each with coarse and fine work per thread; CUDA and OpenCL where
/// such a device exists, reported as skipped elsewhere. A kernel that depends on warp or group size, or on
/// its tile size, fails here.
/// </summary>
public static class Devices
{
    public static readonly string[] Profiles =
    [
        "cpu-default/coarse", "cpu-default/fine", "cpu-warp32/coarse", "cpu-warp32/fine",
        "cuda/fine", "cuda/coarse", "opencl/fine", "opencl/coarse",
    ];

    public static IEnumerable<object[]> All => Profiles.Select(p => new object[] { p });

    private static readonly Dictionary<string, ComputeDevice?> cache = new();
    private static readonly object gate = new();

    /// <summary>The device of a profile, created once per test run; skips the test where it does not exist.</summary>
    public static ComputeDevice Get(string profile)
    {
        ComputeDevice? device;
        lock (gate)
        {
            if (!cache.TryGetValue(profile, out device))
            {
                device = Create(profile);
                cache[profile] = device;
            }
        }
        Skip.If(device is null, profile.StartsWith("cuda")
            ? "no CUDA device on this machine"
            : "no OpenCL device that ILGPU supports on this machine (ILGPU needs the OpenCL generic address space)");
        return device!;
    }

    private static ComputeDevice? Create(string profile)
    {
        var parts = profile.Split('/');
        var shape = parts[1] == "coarse" ? WorkShape.Coarse : WorkShape.Fine;
        return parts[0] switch
        {
            "cpu-default" => ComputeDevice.CreateCpu(CPUDevice.Default, shape, profile),
            "cpu-warp32" => ComputeDevice.CreateCpu(new CPUDevice(32, 32, 1), shape, profile),
            "cuda" => TryGpu(AcceleratorChoice.Cuda, shape),
            "opencl" => TryGpu(AcceleratorChoice.OpenCL, shape),
            _ => throw new ArgumentException(profile),
        };
    }

    private static ComputeDevice? TryGpu(AcceleratorChoice kind, WorkShape shape)
    {
        try { return ComputeDevice.TryCreateGpu(kind, shape); }
        catch (Exception) { return null; } // no driver library at all
    }
}
