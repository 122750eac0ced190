using Solver.Layers;

namespace Solver.Tests;

public class TrainingTests
{
    /// <summary>A small conv net must fit 64 generated images (bars, crosses, circles) to at least 99% training accuracy.</summary>
    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Small_conv_net_overfits_a_batch_of_64(string profile)
    {
        var d = Devices.Get(profile);
        const int n = 64;
        var (images, labels) = Shapes.Make(n, seed: 3);
        using var net = new Sequential(
            new Conv2d(1, 6, 3), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 8, 3), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(8 * 2 * 2, 3));
        net.Build(d, n, [1, Shapes.Size, Shapes.Size]);
        Init.Apply(net, InitKind.HeNormal, 1);
        using var loss = new SoftmaxCrossEntropyLoss(d, n, 3);
        using var sgd = new Sgd(net.Parameters, learningRate: 0.05f, momentum: 0.9f);
        using var x = Tensor.FromArray(d, images, n, 1, Shapes.Size, Shapes.Size);
        loss.SetLabels(labels);

        float first = 0, last = 0;
        int correct = 0;
        for (int step = 0; step < 300; step++)
        {
            var logits = net.Forward(x, n);
            loss.Compute(logits, n);
            net.Backward(loss.LogitsGrad, n);
            sgd.Step();
            (last, correct) = loss.ReadStats();
            if (step == 0) first = last;
            if (correct == n && step > 20) break;
        }
        // Accuracy of the final weights, measured by a fresh forward pass.
        loss.Compute(net.Forward(x, n), n);
        (last, correct) = loss.ReadStats();
        Assert.True(last < first, $"loss did not fall: {first} -> {last}");
        Assert.True(correct >= 0.99 * n, $"training accuracy {correct}/{n}");
    }

    [Fact]
    public void Dropout_acts_only_in_training_mode()
    {
        var d = Devices.Get("cpu-default/coarse");
        using var net = new Sequential(new Flatten(), new Dropout(0.5f));
        net.Build(d, 4, [1, 6, 6]);
        var data = Enumerable.Range(1, 4 * 36).Select(i => (float)i).ToArray();
        using var x = Tensor.FromArray(d, data, 4, 1, 6, 6);
        net.SetStep(1, 1);
        var trained = net.Forward(x, 4).ToArray();
        Assert.Contains(0f, trained);
        Assert.All(trained.Where(v => v != 0f), v => Assert.Contains(v / 2f, data));
        net.Train(false);
        Assert.Equal(data, net.Forward(x, 4).ToArray());
    }
}
