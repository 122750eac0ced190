using Solver.Kernels;

namespace Solver.Layers;

/// <summary>Layers applied in order. Parameters are named <c>{index}.weight</c>, as in a PyTorch nn.Sequential.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> layers;

    public Sequential(params Module[] layers)
    {
        this.layers = [.. layers];
        for (int i = 0; i < this.layers.Count; i++) this.layers[i].Name = i.ToString();
    }

    public IReadOnlyList<Module> Layers => layers;

    public override string Describe() => "Sequential(" + string.Join(", ", layers.Select(l => l.Describe())) + ")";

    public override int[] InferOutputShape(int[] inputShape)
    {
        var shape = inputShape;
        foreach (var layer in layers) shape = layer.InferOutputShape(shape);
        return shape;
    }

    /// <summary>Fuse each ReLU that follows a convolution into it (and into a max-pool after it); on by default.</summary>
    public bool FuseActivations { get; init; } = true;

    /// <summary>
    /// Let a first convolution that feeds a disjoint max-pool read its weight gradient from the pool's
    /// (<see cref="Conv2d.GradientThroughPool"/>); on by default with <see cref="FuseActivations"/>. Set before
    /// <c>Build</c>; off only for the benchmark's side-by-side (<c>Solver.Bench --only pool-gradients</c>).
    /// </summary>
    public bool WeightGradientsThroughPools { get; set; } = true;

    /// <summary>
    /// Let a convolution with a multiple of four input channels that feeds a disjoint max-pool scatter its input gradient
    /// from the pool's (<see cref="Conv2d.InputGradientThroughPool"/>); on by default with <see cref="FuseActivations"/>.
    /// Set before <c>Build</c>; off only for the benchmark's side-by-side.
    /// </summary>
    public bool InputGradientsThroughPools { get; set; } = true;

    /// <summary>
    /// Fold a 2x2/2 max-pool into the forward of the convolution before it, in training (<see cref="Conv2d.PoolAfter"/>);
    /// on by default with <see cref="FuseActivations"/>. Set before <c>Build</c>; off only for the benchmark's side-by-side.
    /// </summary>
    public bool PoolsFoldedIntoConvolutions { get; set; } = true;

    /// <summary>
    /// The network's input is mostly zeros (strokes on a blank page), so a first convolution at stride 1 scatters from
    /// its non-zero pixels where the device prefers it (<see cref="Conv2d.ReadsSparseInput"/>,
    /// <see cref="ConvOps.PrefersSparseInput"/>). On by default; set before <c>Build</c>; off for a dense input, and for
    /// the benchmark's side-by-side (<c>Solver.Bench --only sparse-input</c>).
    /// </summary>
    public bool SparseInput { get; set; } = true;

    /// <param name="needsInputGradient">Whether each layer must make its input gradient.</param>
    private void PlanFusion(bool[] needsInputGradient)
    {
        foreach (var conv in layers.OfType<Conv2d>()) { conv.FusedRelu = false; conv.GradientThroughPool = null; conv.InputGradientThroughPool = null; conv.PoolAfter = null; conv.ReadsSparseInput = false; }
        if (layers.Count > 0 && layers[0] is Conv2d first) first.ReadsSparseInput = SparseInput;
        foreach (var pool in layers.OfType<MaxPool2d>()) { pool.MasksReluGradient = false; pool.GradientTakenByProducer = false; }
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is not ReLU relu) continue;
            var conv = i > 0 ? layers[i - 1] as Conv2d : null;
            var pool = i + 1 < layers.Count ? layers[i + 1] as MaxPool2d : null;
            relu.AppliedByProducer = FuseActivations && conv is not null;
            relu.MaskedByConsumer = relu.AppliedByProducer && pool is not null;
            if (relu.AppliedByProducer) conv!.FusedRelu = true;
            if (relu.MaskedByConsumer) pool!.MasksReluGradient = true;
        }
        // A convolution that needs no input gradient (the first layer) and feeds a disjoint max-pool, through a fused
        // ReLU or directly, reads its weight gradient from the pool's: its dense output gradient is never made.
        // A convolution that does need its input gradient scatters it from the pool's gradient instead, where its input
        // channels come in fours. Either way nothing but the pool reads the convolution's output, so in training a 2x2
        // pool is folded into its forward (Conv2d.PoolAfter).
        for (int i = 0; FuseActivations && i < layers.Count; i++)
        {
            if (layers[i] is not Conv2d conv) continue;
            int next = i + 1 < layers.Count && layers[i + 1] is ReLU { MaskedByConsumer: true } ? i + 2 : i + 1;
            if (next >= layers.Count || layers[next] is not MaxPool2d { Disjoint: true } pool) continue;
            if (PoolsFoldedIntoConvolutions) conv.PoolAfter = pool;
            if (!needsInputGradient[i] && WeightGradientsThroughPools)
            {
                conv.GradientThroughPool = pool;
                pool.GradientTakenByProducer = true;
            }
            else if (needsInputGradient[i] && InputGradientsThroughPools && conv.InChannels % 4 == 0)
                conv.InputGradientThroughPool = pool;
        }
    }

    protected override void Allocate()
    {
        // The network's input is data: no layer before the first trainable one needs an input gradient.
        var needs = new bool[layers.Count];
        bool needed = ComputeInputGradient;
        for (int i = 0; i < layers.Count; i++)
        {
            needs[i] = needed;
            needed |= layers[i].HasParameters;
        }
        PlanFusion(needs);
        var shape = InputShape;
        for (int i = 0; i < layers.Count; i++)
        {
            layers[i].ComputeInputGradient = needs[i];
            // One block per network: the outermost Sequential packs everything, so a nested one leaves its own alone.
            if (layers[i] is Sequential inner)
            {
                inner.PacksParameters = false;
                inner.SparseInput &= i == 0 && SparseInput;
            }
            layers[i].Build(Device, BatchCapacity, shape);
            shape = layers[i].OutputShape;
        }
        if (HasParameters && PacksParameters) block = ParameterBlock.Pack(Device, Parameters);
    }

    private bool PacksParameters { get; set; } = true;

    private ParameterBlock? block;

    public override IReadOnlyList<Parameter> Parameters => layers.SelectMany(l => l.Parameters).ToList();

    public override bool HasParameters => layers.Any(l => l.HasParameters);

    public override IReadOnlyList<Buffer> Buffers => layers.SelectMany(l => l.Buffers).ToList();

    /// <summary>Training (true) or evaluation mode for every layer, as PyTorch's train()/eval().</summary>
    public void Train(bool on)
    {
        Training = on;
        foreach (var l in layers) l.Training = on;
    }

    /// <summary>Where the random masks of this step come from: the run's seed and the global batch number.</summary>
    public void SetStep(uint seed, uint step)
    {
        foreach (var d in layers.OfType<Dropout>())
        {
            d.Seed = seed;
            d.Step = step;
        }
    }

    public int ParameterCount => (int)Parameters.Sum(p => p.Value.Length);

    /// <summary>
    /// Called with each layer just before it runs, and whether forward: the benchmark's profile charges launches to
    /// layers with it (<c>Solver.Bench --only profile</c>). Null in use.
    /// </summary>
    public Action<Module, bool>? LayerStarting { get; set; }

    public override Tensor Forward(Tensor x, int n)
    {
        foreach (var layer in layers)
        {
            LayerStarting?.Invoke(layer, true);
            x = layer.Forward(x, n);
        }
        return x;
    }

    public override Tensor? Backward(Tensor dy, int n)
    {
        Tensor? g = dy;
        for (int i = layers.Count - 1; i >= 0 && g is not null; i--)
        {
            LayerStarting?.Invoke(layers[i], false);
            g = layers[i].Backward(g, n);
        }
        return g;
    }

    /// <summary>Parameter and buffer values by name, copied to the host.</summary>
    public Dictionary<string, NamedTensor> StateDict() =>
        Saved().ToDictionary(p => p.Name, p => new NamedTensor(p.Name, p.Value.Shape, p.Value.ToArray()));

    private IEnumerable<(string Name, Tensor Value)> Saved() =>
        Parameters.Select(p => (p.Name, p.Value)).Concat(Buffers.Select(b => (b.Name, b.Value)));

    /// <summary>Loads every parameter and buffer; a missing, extra or misshapen tensor is an error that names it.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, NamedTensor> state)
    {
        var saved = Saved().ToList();
        foreach (var p in saved)
        {
            if (!state.TryGetValue(p.Name, out var t))
                throw new InvalidDataException($"weights have no tensor '{p.Name}' for layer {p.Name.Split('.')[0]} ({Describe(p)})");
            if (!t.Shape.SequenceEqual(p.Value.Shape))
                throw new InvalidDataException($"tensor '{p.Name}' has shape {ShapeUtil.Format(t.Shape)}, the model needs {ShapeUtil.Format(p.Value.Shape)}");
            foreach (var v in t.Data)
                if (!float.IsFinite(v)) throw new InvalidDataException($"tensor '{p.Name}' holds NaN or infinite values");
            p.Value.CopyFrom(t.Data);
        }
        var extra = state.Keys.Except(saved.Select(p => p.Name)).ToList();
        if (extra.Count > 0) throw new InvalidDataException($"weights hold tensors the model does not have: {string.Join(", ", extra)}");
        Device.Synchronize();
    }

    private string Describe((string Name, Tensor Value) p) => layers[int.Parse(p.Name.Split('.')[0])].Describe();

    public override void Dispose()
    {
        foreach (var l in layers) l.Dispose();
        block?.Dispose();
        base.Dispose();
    }
}
