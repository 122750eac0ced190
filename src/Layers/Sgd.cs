using Solver.Kernels;

namespace Solver.Layers;

/// <summary>SGD with optional momentum, Nesterov and weight decay (PyTorch's torch.optim.SGD). Velocity lives on the device.</summary>
public sealed class Sgd : Optimizer
{
    private readonly List<Tensor> velocities;

    public Sgd(IReadOnlyList<Parameter> parameters, float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(parameters, learningRate)
    {
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        velocities = parameters.Select(p => Tensor.Zeros(p.Value.Device, p.Value.Shape)).ToList();
    }

    public float Momentum { get; }
    public float WeightDecay { get; }
    public bool Nesterov { get; }

    public override IEnumerable<(string Name, Tensor Value)> State => Parameters.Select((p, i) => ("sgd." + p.Name, velocities[i]));

    protected override void Update()
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            // Every parameter is decayed, biases too, exactly as torch.optim.SGD does, so runs compare one to one.
            var s = new SgdSettings { LearningRate = LearningRate, Momentum = Momentum, WeightDecay = WeightDecay, Nesterov = Nesterov ? 1 : 0 };
            p.Value.Device.Sgd.Step(p.Value.View, p.Grad.View, velocities[i].View, s);
        }
    }

    public override void Dispose()
    {
        foreach (var v in velocities) v.Dispose();
    }
}
