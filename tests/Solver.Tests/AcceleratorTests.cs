using Solver.Kernels;
using Solver.Layers;

namespace Solver.Tests;

public class AcceleratorTests
{
    [Theory]
    [InlineData("cpu", AcceleratorChoice.Cpu)]
    [InlineData("CUDA", AcceleratorChoice.Cuda)]
    [InlineData("opencl", AcceleratorChoice.OpenCL)]
    [InlineData("auto", AcceleratorChoice.Auto)]
    public void Command_line_names_parse(string text, AcceleratorChoice expected) =>
        Assert.Equal(expected, AcceleratorChoiceParser.Resolve(text));

    [Fact]
    public void Environment_variable_applies_when_the_option_is_absent_and_the_option_wins()
    {
        var old = Environment.GetEnvironmentVariable(AcceleratorChoiceParser.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(AcceleratorChoiceParser.EnvironmentVariable, "cpu");
            Assert.Equal(AcceleratorChoice.Cpu, AcceleratorChoiceParser.Resolve(null));
            Assert.Equal(AcceleratorChoice.Cuda, AcceleratorChoiceParser.Resolve("cuda"));
            Environment.SetEnvironmentVariable(AcceleratorChoiceParser.EnvironmentVariable, "tpu");
            var e = Assert.Throws<ArgumentException>(() => AcceleratorChoiceParser.Resolve(null));
            Assert.Contains("SOLVER_ACCELERATOR", e.Message);
            Assert.Contains("auto, cuda, opencl, cpu", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(AcceleratorChoiceParser.EnvironmentVariable, old);
        }
    }

    [Fact]
    public void Auto_falls_back_to_a_working_device_and_describes_it()
    {
        using var d = ComputeDevice.Create(AcceleratorChoice.Auto);
        Assert.Contains("accelerator:", d.Description);
        // Whatever was picked must run a kernel.
        using var t = Tensor.FromArray(d, [-1f, 2f], 2);
        using var y = Tensor.Zeros(d, 2);
        d.Activation.ReluForward(t.View, y.View, 2);
        Assert.Equal([0f, 2f], y.ToArray());
    }

    [Fact]
    public void Shape_errors_name_the_layer_and_both_shapes()
    {
        using var d = ComputeDevice.Create(AcceleratorChoice.Cpu);
        using var net = new Sequential(new Conv2d(1, 8, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(100, 20));
        var e = Assert.Throws<ShapeException>(() => net.Build(d, 4, [1, 45, 45]));
        Assert.Contains("layer 4", e.Message);
        Assert.Contains("Linear(100, 20)", e.Message);
        Assert.Contains("[3528]", e.Message);

        using var conv = new Sequential(new Conv2d(3, 8, 3));
        Assert.Contains("[3, H, W]", Assert.Throws<ShapeException>(() => conv.Build(d, 1, [1, 45, 45])).Message);
    }
}
