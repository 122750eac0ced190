using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Solver.Layers;

namespace Solver.Tests;

public class SafeTensorsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("solver-st-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Round_trip_keeps_names_shapes_values_and_metadata()
    {
        var path = Path.Combine(dir, "w.safetensors");
        var a = new NamedTensor("0.weight", [2, 1, 3, 3], Enumerable.Range(0, 18).Select(i => i * 0.5f - 3).ToArray());
        var b = new NamedTensor("0.bias", [2], [float.MaxValue, -0f]);
        SafeTensors.Write(path, [a, b], new Dictionary<string, string> { ["classes"] = "[\"0\",\"+\"]" });
        var read = SafeTensors.Read(path);
        Assert.Equal(a.Shape, read.Tensors["0.weight"].Shape);
        Assert.Equal(a.Data, read.Tensors["0.weight"].Data);
        Assert.Equal(b.Data, read.Tensors["0.bias"].Data);
        Assert.Equal("[\"0\",\"+\"]", read.Metadata["classes"]);
    }

    [Fact]
    public void Layout_is_the_published_format()
    {
        // 8-byte little-endian header size, JSON header padded to 8 bytes, then F32 little-endian data.
        var path = Path.Combine(dir, "w.safetensors");
        SafeTensors.Write(path, [new NamedTensor("t", [3], [1f, 2f, 3f])]);
        var bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength));
        var t = doc.RootElement.GetProperty("t");
        Assert.Equal("F32", t.GetProperty("dtype").GetString());
        Assert.Equal(12, t.GetProperty("data_offsets")[1].GetInt64());
        Assert.Equal(2f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)headerLength + 4)));
        Assert.Equal(8 + headerLength + 12, bytes.Length);
    }

    [Fact]
    public void Truncated_or_lying_files_are_refused_with_a_reason()
    {
        var path = Path.Combine(dir, "w.safetensors");
        SafeTensors.Write(path, [new NamedTensor("t", [64], new float[64])]);
        var good = File.ReadAllBytes(path);

        File.WriteAllBytes(path, good[..(good.Length - 10)]);
        Assert.Contains("outside the file", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);

        var lying = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(lying, ulong.MaxValue / 2);
        File.WriteAllBytes(path, lying);
        Assert.Contains("header length", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);

        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("too short", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);

        var f16 = Encoding.UTF8.GetBytes("{\"t\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}");
        var file = new byte[8 + f16.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)f16.Length);
        f16.CopyTo(file, 8);
        File.WriteAllBytes(path, file);
        Assert.Contains("dtype F16", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);
    }

    [Fact]
    public void Atomic_write_leaves_the_old_file_when_the_writer_fails()
    {
        var path = Path.Combine(dir, "keep.txt");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new IOException("disk full"); }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir)); // no temporary file left behind
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void State_dict_round_trips_through_a_file_and_rejects_the_wrong_model(string profile)
    {
        var d = Devices.Get(profile);
        Sequential Make() => new(new Conv2d(1, 2, 3), new ReLU(), new Flatten(), new Linear(2 * 4 * 4, 3));
        using var a = Make();
        a.Build(d, 2, [1, 6, 6]);
        Init.Apply(a, InitKind.GlorotUniform, 5);
        var path = Path.Combine(dir, "model.safetensors");
        SafeTensors.Write(path, a.StateDict().Values);

        using var b = Make();
        b.Build(d, 2, [1, 6, 6]);
        b.LoadStateDict(SafeTensors.Read(path).Tensors);
        foreach (var (name, t) in a.StateDict()) Assert.Equal(t.Data, b.StateDict()[name].Data);

        using var other = new Sequential(new Conv2d(1, 3, 3), new ReLU(), new Flatten(), new Linear(3 * 4 * 4, 3));
        other.Build(d, 2, [1, 6, 6]);
        var e = Assert.Throws<InvalidDataException>(() => other.LoadStateDict(SafeTensors.Read(path).Tensors));
        Assert.Contains("0.weight", e.Message);
    }
}
