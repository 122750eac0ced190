using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Solver.Kernels;

/// <summary>
/// The one owner of the ILGPU context, accelerator and stream. Kernel families are compiled on first
/// use and reused for the life of the device, so each kernel is compiled once per process per device.
/// </summary>
public sealed class ComputeDevice : IDisposable
{
    private readonly Context context;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> dummy;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> dummyInt;
    private ConvOps? conv;
    private PoolOps? pool;
    private GemmOps? gemm;
    private ActivationOps? activation;
    private SoftmaxCrossEntropyOps? softmaxCrossEntropy;
    private SgdOps? sgd;
    private AdamOps? adam;
    private DropoutOps? dropout;
    private BatchNormOps? batchNorm;

    private ComputeDevice(Context context, Accelerator accelerator, WorkShape shape, string name)
    {
        this.context = context;
        Accelerator = accelerator;
        WorkShape = shape;
        Name = name;
        Processors = accelerator.AcceleratorType == AcceleratorType.CPU
            ? Environment.ProcessorCount
            : Math.Max(1, accelerator.NumMultiprocessors);
        dummy = accelerator.Allocate1D<float>(1); // not counted: the device's own placeholders
        dummyInt = accelerator.Allocate1D<int>(1);
    }

    public Accelerator Accelerator { get; }
    public AcceleratorStream Stream => Accelerator.DefaultStream;
    public WorkShape WorkShape { get; }
    /// <summary>A short name such as <c>cpu</c>, <c>cpu-warp32</c> or <c>cuda</c>.</summary>
    public string Name { get; }
    public int Processors { get; }
    public AcceleratorType Type => Accelerator.AcceleratorType;

    /// <summary>A one-element placeholder for optional kernel arguments (a missing bias, no class weights).</summary>
    internal ArrayView<float> Dummy => dummy.View;
    internal ArrayView<int> DummyInt => dummyInt.View;

    public ConvOps Conv => conv ??= new ConvOps(this);
    public PoolOps Pool => pool ??= new PoolOps(this);
    public GemmOps Gemm => gemm ??= new GemmOps(this);
    public ActivationOps Activation => activation ??= new ActivationOps(this);
    public SoftmaxCrossEntropyOps SoftmaxCrossEntropy => softmaxCrossEntropy ??= new SoftmaxCrossEntropyOps(this);
    public SgdOps Sgd => sgd ??= new SgdOps(this);
    public AdamOps Adam => adam ??= new AdamOps(this);
    public DropoutOps Dropout => dropout ??= new DropoutOps(this);
    public BatchNormOps BatchNorm => batchNorm ??= new BatchNormOps(this);

    /// <summary>The line every tool prints at start.</summary>
    public string Description =>
        $"accelerator: {Name} ({Accelerator.Name}, {Type}, {WorkShape.ToString().ToLowerInvariant()} work per thread, " +
        $"warp {Accelerator.WarpSize}, max group {Accelerator.MaxNumThreadsPerGroup}" +
        (Type == AcceleratorType.CPU ? ")" : $", {Accelerator.MemorySize / (1024 * 1024)} MiB)");

    public MemoryBuffer1D<float, Stride1D.Dense> Allocate(long length) => Allocate<float>(length);
    public MemoryBuffer1D<int, Stride1D.Dense> AllocateInt(long length) => Allocate<int>(length);

    /// <summary>Every device buffer of the project is made here, so that its memory is counted.</summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(Math.Max(1, length));
        Interlocked.Add(ref allocatedBytes, buffer.LengthInBytes);
        Interlocked.Increment(ref allocations);
        return buffer;
    }

    private long allocatedBytes, allocations;

    /// <summary>Bytes of all device buffers made so far (freed ones included): the planned memory, and a way to prove a
    /// training step allocates nothing.</summary>
    public long AllocatedBytes => Interlocked.Read(ref allocatedBytes);
    public long Allocations => Interlocked.Read(ref allocations);

    public void Synchronize() => Stream.Synchronize();

    private long launches;

    /// <summary>
    /// The stream, for a kernel launch or a device-side fill; each use is counted (<see cref="Launches"/>), and timed
    /// under the caller's name and line when a <see cref="Profiler"/> is set.
    /// </summary>
    internal AcceleratorStream Launch([CallerMemberName] string operation = "", [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
    {
        launches++;
        Profiler?.Launching(Stream, $"{Path.GetFileNameWithoutExtension(file)}.{operation}:{line}");
        return Stream;
    }

    /// <summary>When set, every launch waits for the one before it and is timed (the benchmark's <c>--only profile</c>).</summary>
    public LaunchProfiler? Profiler { get; set; }

    /// <summary>Kernel launches and device-side fills so far: what a training step costs in launches, which bound
    /// small models on a GPU.</summary>
    public long Launches => launches;

    /// <summary>
    /// The production CPU shape, in parallel mode: two threads per warp (ILGPU's least), one warp per multiprocessor,
    /// one multiprocessor per two cores. ILGPU runs an OS thread per simulated hardware thread, so this is one OS thread
    /// per core. A multiprocessor per core ran two per core: against it the GEMM measured 0.99-1.46x as fast (median
    /// 1.10x) in eight interleaved runs, whole Model 4 steps and `solve` the same (Model 4 0.95-1.07x, median 1.01x;
    /// <c>Solver.Bench --only cpu-shapes</c>, docs/performance.md). Coarse threads make group and warp
    /// size otherwise irrelevant to speed; few simulated threads keep overhead low.
    /// </summary>
    public static CPUDevice ProductionCpuDevice => new(2, 1, Math.Max(1, (Environment.ProcessorCount + 1) / 2));

    /// <summary>Picks CUDA, then OpenCL, then the CPU for <see cref="AcceleratorChoice.Auto"/>; a named choice must exist.</summary>
    public static ComputeDevice Create(AcceleratorChoice choice)
    {
        if (choice == AcceleratorChoice.Cpu) return CreateCpu(ProductionCpuDevice, WorkShape.Coarse, "cpu");

        var context = Context.Create(builder => builder.Cuda().OpenCL().EnableAlgorithms());
        try
        {
            if (choice is AcceleratorChoice.Auto or AcceleratorChoice.Cuda)
            {
                foreach (var device in context.GetCudaDevices())
                    if (TryCreate(context, device, "cuda") is { } cuda) return cuda;
                if (choice == AcceleratorChoice.Cuda) throw new NotSupportedException("no CUDA device found (--accelerator cuda); try --accelerator auto");
            }
            if (choice is AcceleratorChoice.Auto or AcceleratorChoice.OpenCL)
            {
                foreach (var device in context.GetCLDevices())
                    if (TryCreate(context, device, "opencl") is { } cl) return cl;
                if (choice == AcceleratorChoice.OpenCL)
                    throw new NotSupportedException("no OpenCL device that ILGPU supports was found (--accelerator opencl); try --accelerator auto");
            }
        }
        catch
        {
            context.Dispose();
            throw;
        }
        context.Dispose();
        return CreateCpu(ProductionCpuDevice, WorkShape.Coarse, "cpu");
    }

    /// <summary>Returns the first CUDA or OpenCL device ILGPU can open, or null. Used by tests to run where one exists.</summary>
    public static ComputeDevice? TryCreateGpu(AcceleratorChoice kind, WorkShape shape)
    {
        var context = Context.Create(builder => builder.Cuda().OpenCL().EnableAlgorithms());
        var devices = new List<Device>();
        if (kind == AcceleratorChoice.Cuda) foreach (var d in context.GetCudaDevices()) devices.Add(d);
        else foreach (var d in context.GetCLDevices()) devices.Add(d);
        foreach (var device in devices)
            if (TryCreate(context, device, kind == AcceleratorChoice.Cuda ? "cuda" : "opencl", shape) is { } created) return created;
        context.Dispose();
        return null;
    }

    /// <summary>A CPU accelerator of the given simulated shape, e.g. <c>CPUDevice.Default</c> or a warp-32 GPU look-alike.</summary>
    public static ComputeDevice CreateCpu(CPUDevice cpu, WorkShape shape, string name)
    {
        var context = Context.Create(builder => builder.CPU(cpu).EnableAlgorithms());
        var accelerator = cpu.CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel);
        return new ComputeDevice(context, accelerator, shape, name);
    }

    private static ComputeDevice? TryCreate(Context context, Device device, string name, WorkShape shape = WorkShape.Fine)
    {
        try
        {
            return new ComputeDevice(context, device.CreateAccelerator(context), shape, name);
        }
        catch (Exception)
        {
            // A listed device that the driver or ILGPU cannot open (for example an OpenCL 1.2 device without
            // the generic address space) is skipped, and selection moves on.
            return null;
        }
    }

    public void Dispose()
    {
        conv = null; pool = null; gemm = null; activation = null; softmaxCrossEntropy = null; sgd = null; adam = null; dropout = null; batchNorm = null;
        dummy.Dispose();
        dummyInt.Dispose();
        Accelerator.Dispose();
        context.Dispose();
    }
}
