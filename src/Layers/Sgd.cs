using Solver.Kernels;

namespace Solver.Layers;

/// <summary>SGD with optional momentum, Nesterov and weight decay (PyTorch's torch.optim.SGD). Velocity lives on the device.</summary>
public sealed class Sgd : Optimizer
{
    private readonly StateTensors velocity;

    public Sgd(IReadOnlyList<Parameter> parameters, float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(parameters, learningRate)
    {
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        velocity = NewState();
    }

    public float Momentum { get; }
    public float WeightDecay { get; }
    public bool Nesterov { get; }

    public override IEnumerable<(string Name, Tensor Value)> State =>
        Parameters.Select((p, i) => ("sgd." + p.Name, velocity.PerParameter[i]));

    protected override void Update()
    {
        // Every parameter is decayed, biases too, exactly as torch.optim.SGD does, so runs compare one to one.
        var s = new SgdSettings { LearningRate = LearningRate, Momentum = Momentum, WeightDecay = WeightDecay, Nesterov = Nesterov ? 1 : 0 };
        for (int i = 0; i < SegmentCount; i++)
        {
            var (device, values, grads) = Segment(i);
            device.Sgd.Step(values, grads, velocity.Segment(i), s);
        }
    }
}
