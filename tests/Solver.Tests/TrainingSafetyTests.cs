using System.Diagnostics;
using Solver.Kernels;
using Solver.Layers;
using Solver.Trainer;
using Xunit.Abstractions;

namespace Solver.Tests;

/// <summary>Training never loses work: divergence keeps the last good checkpoint; a SIGKILL mid-epoch resumes to the same weights.</summary>
public sealed class TrainingSafetyTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("solver-safety-").FullName;
    private string Cache => Path.Combine(dir, "cache");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void A_diverging_run_stops_with_a_message_and_keeps_the_last_good_checkpoint()
    {
        var data = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 20, seed: 3);
        var config = TrainerCli.LoadConfig(TinyData.Config(dir, data, epochs: 4), null, null, null);
        var dataset = Dataset.Load(config.Data.Paths, config.Data.Classes, Cache);
        var split = Splitter.Split(dataset, config.Data.Split, 0);
        using var device = ComputeDevice.Create(AcceleratorChoice.Cpu);
        var outDir = Path.Combine(dir, "run");
        var checkpoint = Path.Combine(outDir, Checkpoint.FileName);
        byte[]? afterEpoch1 = null;
        var session = new TrainingSession(config, dataset, split, device, outDir, _ => { })
        {
            // In epoch 2 the output layer's bias turns NaN (as an exploding step would make it; a NaN in an earlier
            // layer could be swallowed by a ReLU): the next batch's loss is NaN.
            AfterStep = (epoch, batch, net) =>
            {
                if (epoch == 1 && batch == 0)
                {
                    afterEpoch1 = File.ReadAllBytes(checkpoint);
                    net.Parameters[^1].Value.CopyFrom([float.NaN]);
                }
            },
        };
        var e = Assert.Throws<TrainingDivergedException>(() => session.Run(false, default));
        Assert.Contains("the loss became NaN at epoch 2", e.Message);
        Assert.Contains("lower the learning rate", e.Message);
        Assert.Contains("last good checkpoint is kept", e.Message);
        Assert.Equal(afterEpoch1, File.ReadAllBytes(checkpoint));
        Assert.False(File.Exists(Path.Combine(outDir, "model.safetensors")));

        // The trainer's command line turns it into one line and exit code 2.
        var err = new StringWriter();
        Assert.Equal(2, CliGuard.Run(err, () => throw e));
        Assert.Equal($"error: {e.Message}", err.ToString().Trim());
    }

    [Fact]
    public void Sigkill_or_sigint_mid_epoch_then_resume_gives_the_weights_of_an_uninterrupted_run()
    {
        // Epochs long enough (170 batches) that a signal sent 50 ms into one lands mid-epoch even with fast kernels.
        var data = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 1500, seed: 9);
        var config = TinyData.Config(dir, data, epochs: 4);
        var trainer = Path.Combine(AppContext.BaseDirectory, "trainer.dll");
        ProcessStartInfo Start(string outDir, bool resume)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { trainer, "--config", config, "--out", outDir, "--accelerator", "cpu", "--cache", Cache }) info.ArgumentList.Add(a);
            if (resume) info.ArgumentList.Add("--resume");
            return info;
        }
        string RunToEnd(string outDir, bool resume)
        {
            using var p = Process.Start(Start(outDir, resume))!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "training did not finish");
            Assert.True(p.ExitCode == 0, stdout.Result + stderr.Result);
            return stdout.Result;
        }

        RunToEnd(Path.Combine(dir, "straight"), false);

        var killedDir = Path.Combine(dir, "killed");
        var metrics = Path.Combine(killedDir, "metrics.csv");
        using (var victim = Process.Start(Start(killedDir, false))!)
        {
            _ = victim.StandardOutput.ReadToEndAsync();
            _ = victim.StandardError.ReadToEndAsync();
            // Kill it in the third epoch: two epochs are in metrics.csv, so their checkpoint is being or has been written.
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!(File.Exists(metrics) && File.ReadAllLines(metrics).Length >= 3) && !victim.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(5);
            Assert.False(victim.HasExited, "the run ended before it could be killed");
            Thread.Sleep(50);
            victim.Kill(); // SIGKILL: no handler runs, nothing is flushed
            victim.WaitForExit();
            Assert.NotEqual(0, victim.ExitCode);
        }
        Assert.False(File.Exists(Path.Combine(killedDir, "model.safetensors")));
        var log = RunToEnd(killedDir, true);
        output.WriteLine(log.Split('\n').First(l => l.StartsWith("resume:")));
        Assert.Matches(@"resume: epoch [23], batch 0", log);

        var straight = SafeTensors.Read(Path.Combine(dir, "straight", "model.safetensors")).Tensors;
        var resumed = SafeTensors.Read(Path.Combine(killedDir, "model.safetensors")).Tensors;
        Assert.Equal(straight.Keys.Order(), resumed.Keys.Order());
        foreach (var (name, t) in straight) Assert.Equal(t.Data, resumed[name].Data);

        // Ctrl-C (a real SIGINT): the batch in flight finishes, a mid-epoch checkpoint is saved, exit code 130.
        var interruptedDir = Path.Combine(dir, "interrupted");
        using (var victim = new Process { StartInfo = Start(interruptedDir, false) })
        {
            // The first epoch's log line is printed after its checkpoint is written, just before the second epoch's
            // first batch: a signal sent a little after it lands mid-epoch however long that checkpoint took to write
            // (metrics.csv is written before the checkpoint, so waiting for it raced the checkpoint on a loaded machine).
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using var firstEpochLogged = new ManualResetEventSlim();
            victim.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lines.Enqueue(e.Data);
                if (e.Data.StartsWith("epoch 1/")) firstEpochLogged.Set();
            };
            victim.ErrorDataReceived += (_, _) => { };
            victim.Start();
            victim.BeginOutputReadLine();
            victim.BeginErrorReadLine();
            Assert.True(firstEpochLogged.Wait(TimeSpan.FromMinutes(3)), "the first epoch did not end: " + string.Join('\n', lines));
            Thread.Sleep(100);
            Assert.False(victim.HasExited, "the run ended before it could be interrupted");
            using (var kill = Process.Start("kill", ["-INT", victim.Id.ToString()])) kill.WaitForExit();
            Assert.True(victim.WaitForExit(TimeSpan.FromMinutes(1)), "the trainer did not stop on SIGINT");
            victim.WaitForExit(); // the output's last lines are read
            Assert.Equal(130, victim.ExitCode);
            output.WriteLine(lines.LastOrDefault(l => l.Contains("interrupt")) ?? "");
        }
        var log2 = RunToEnd(interruptedDir, true);
        Assert.Matches(@"resume: epoch 2, batch [1-9]\d*", log2); // mid-epoch, from the batch after the last one done
        var resumedAfterInterrupt = SafeTensors.Read(Path.Combine(interruptedDir, "model.safetensors")).Tensors;
        foreach (var (name, t) in straight) Assert.Equal(t.Data, resumedAfterInterrupt[name].Data);
    }

    [Fact]
    public void A_half_broken_dataset_trains_with_what_it_has_and_says_what_it_skipped()
    {
        var data = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 12, seed: 4);
        foreach (var f in Directory.GetFiles(Path.Combine(data, "ring"))) File.Delete(f); // an empty class folder
        var good = Directory.GetFiles(Path.Combine(data, "bar")).Order().ToArray();
        var jpeg = File.ReadAllBytes(good[0]);
        using (var img = SixLabors.ImageSharp.Image.Load(good[5]))
        using (var ms = new MemoryStream())
        {
            img.Save(ms, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder());
            jpeg = ms.ToArray();
        }
        File.WriteAllBytes(Path.Combine(data, "bar", "img0005b.jpg"), jpeg[..(jpeg.Length / 3)]); // a corrupt JPEG among good files
        File.WriteAllText(Path.Combine(data, "cross", "README.txt"), "not an image");           // a stray file
        var config = TinyData.Config(dir, data, epochs: 1);
        var o = new StringWriter(); var err = new StringWriter();
        int code = TrainerCli.Run(["--config", config, "--out", Path.Combine(dir, "run"), "--accelerator", "cpu", "--cache", Cache], o, err);
        Assert.True(code == 0, err.ToString());
        Assert.Contains("skipped 1 unreadable", o.ToString());
        Assert.Contains("warning: no images of class(es) ring", o.ToString());
        Assert.True(File.Exists(Path.Combine(dir, "run", "model.safetensors")));
    }

    [Fact]
    public void A_zip_entry_too_large_for_a_symbol_is_skipped_and_counted()
    {
        var folder = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 4, seed: 6);
        var zip = TinyData.Zip(folder, Path.Combine(dir, "data.zip"));
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Update))
        using (var entry = archive.CreateEntry("bar/huge.png", System.IO.Compression.CompressionLevel.Fastest).Open())
        {
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 65; i++) entry.Write(zeros); // 65 MiB that compress to almost nothing: a zip bomb in small
        }
        var data = Dataset.Load([zip], TinyData.Classes, Cache);
        Assert.Equal(12, data.Count);
        Assert.Equal(1, data.Skipped);
        Assert.Contains(data.SkippedExamples, s => s.Contains("too large"));
    }
}
