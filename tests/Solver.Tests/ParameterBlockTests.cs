using Solver.Layers;

namespace Solver.Tests;

public class ParameterBlockTests
{
    private static Sequential Net(Solver.Kernels.ComputeDevice d, int n)
    {
        var net = new Sequential(
            new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(4 * 7 * 7, 7), new ReLU(), new Linear(7, 3));
        net.Build(d, n, [1, Shapes.Size, Shapes.Size]);
        Init.Apply(net, InitKind.HeNormal, 5);
        return net;
    }

    [Fact]
    public void Sequential_packs_its_parameters_into_one_block()
    {
        var d = Devices.Get("cpu-default/coarse");
        using var net = Net(d, 4);
        var block = ParameterBlock.Of(net.Parameters);
        Assert.NotNull(block);
        for (int i = 0; i < block!.Parameters.Count; i++)
            Assert.Equal(0, block.Offsets[i] % 16);
        // The packed values are the parameters' values, seen through both.
        var flat = block.Values.ToArray();
        for (int i = 0; i < block.Parameters.Count; i++)
        {
            var own = block.Parameters[i].Value.ToArray();
            Assert.Equal(own, flat.Skip((int)block.Offsets[i]).Take(own.Length));
        }
        using var sgd = new Sgd(net.Parameters, 0.1f);
        using var unpacked = new Sgd(net.Parameters.Reverse().ToList(), 0.1f);
        long before = d.Launches;
        sgd.Step();
        Assert.Equal(1, d.Launches - before);
        before = d.Launches;
        unpacked.Step();
        Assert.Equal(net.Parameters.Count, d.Launches - before);
    }

    [Fact]
    public void A_nested_Sequential_is_packed_once_by_the_outermost()
    {
        var d = Devices.Get("cpu-default/coarse");
        long Build(Func<Sequential> make)
        {
            long before = d.Allocations;
            using var net = make();
            net.Build(d, 2, [1, Shapes.Size, Shapes.Size]);
            long made = d.Allocations - before;
            var block = ParameterBlock.Of(net.Parameters);
            Assert.NotNull(block);
            using var sgd = new Sgd(net.Parameters, 0.1f);
            Assert.Equal(1, sgd.SegmentCount);
            return made;
        }
        long flat = Build(() => new Sequential(new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 7 * 7, 3)));
        long nested = Build(() => new Sequential(new Sequential(new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2)), new Flatten(), new Linear(4 * 7 * 7, 3)));
        // Same buffers as the flat network: no second, orphaned block for the inner Sequential.
        Assert.Equal(flat, nested);
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "adam", "adamw" };

    /// <summary>One launch over the block must update every parameter exactly as one launch per parameter does.</summary>
    [Theory, MemberData(nameof(Optimizers))]
    public void One_launch_over_the_block_matches_one_launch_per_parameter(string kind)
    {
        var d = Devices.Get("cpu-default/coarse");
        const int n = 16;
        var (images, labels) = Shapes.Make(n, seed: 9);
        using var packedNet = Net(d, n);
        using var separateNet = Net(d, n);
        using var x = Tensor.FromArray(d, images, n, 1, Shapes.Size, Shapes.Size);
        using var loss = new SoftmaxCrossEntropyLoss(d, n, 3);
        loss.SetLabels(labels);
        Optimizer Make(IReadOnlyList<Parameter> ps) => kind switch
        {
            "sgd" => new Sgd(ps, 0.05f, momentum: 0.9f, weightDecay: 1e-3f, nesterov: true),
            _ => new Adam(ps, 0.01f, weightDecay: 1e-2f, decoupled: kind == "adamw"),
        };
        using var packed = Make(packedNet.Parameters);
        // Any other order is not the block, so that optimizer falls back to one launch per parameter.
        using var separate = Make(separateNet.Parameters.Reverse().ToList());
        Assert.Equal(1, packed.SegmentCount);
        Assert.True(separate.SegmentCount > 1);

        for (int step = 0; step < 4; step++)
            foreach (var (net, opt) in new[] { (packedNet, packed), (separateNet, separate) })
            {
                loss.Compute(net.Forward(x, n), n);
                net.Backward(loss.LogitsGrad, n);
                opt.Step();
            }

        var a = packedNet.StateDict();
        var b = separateNet.StateDict();
        foreach (var (name, t) in a)
        {
            Assert.Equal(b[name].Data, t.Data);
            Assert.Contains(t.Data, v => v != 0f);
        }
        var stateB = separate.State.ToDictionary(s => s.Name, s => s.Value.ToArray());
        foreach (var (name, value) in packed.State) Assert.Equal(stateB[name], value.ToArray());
    }
}
