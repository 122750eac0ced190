using System.Diagnostics;
using Solver.Inference;
using Solver.Trainer;

namespace Solver.Tests;

public sealed class PackagingTests
{
    /// <summary>
    /// `dotnet pack` builds both tools, `dotnet tool install` installs them from the folder, and the installed `solve`
    /// solves an example from another folder with the weights it carries (scripts/pack-tools.sh does all of it).
    /// Built in its own configuration so that it never touches the binaries the tests run from.
    /// </summary>
    [Fact]
    public async Task Tools_pack_install_and_run()
    {
        var artifacts = Directory.CreateTempSubdirectory("solver-pack-").FullName;
        try
        {
            var start = new ProcessStartInfo("bash", [Path.Combine(ExamplesTests.RepoRoot(), "scripts", "pack-tools.sh"), artifacts, "ToolPack"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ExamplesTests.RepoRoot(),
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(8)), "packing took more than 8 minutes");
            string output = await stdout, errors = await stderr;
            Assert.True(process.ExitCode == 0, output + errors);
            Assert.Contains("solution: x = 2", output);
            Assert.True(File.Exists(Path.Combine(artifacts, "Solver.Solve.0.1.0.nupkg")));
            Assert.True(File.Exists(Path.Combine(artifacts, "Solver.Trainer.0.1.0.nupkg")));
        }
        finally
        {
            Directory.Delete(artifacts, recursive: true);
        }
    }

    [Theory]
    [InlineData("trainer")]
    [InlineData("trainer", "evaluate")]
    [InlineData("trainer", "export-split")]
    [InlineData("trainer", "export")]
    [InlineData("solve")]
    [InlineData("solve", "render")]
    [InlineData("solve", "evaluate-composed")]
    [InlineData("solve", "serve")]
    public void Every_command_help_shows_an_example(string tool, params string[] command)
    {
        var o = new StringWriter();
        string[] args = [.. command, "--help"];
        int code = tool == "trainer" ? TrainerCli.Run(args, o, new StringWriter()) : SolveCli.Run(args, o, new StringWriter());
        Assert.Equal(0, code);
        Assert.Matches(@"Examples?:\s*\n\s+(trainer|solve) ", o.ToString());
    }
}
