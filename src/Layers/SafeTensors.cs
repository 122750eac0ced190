using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Solver.Layers;

/// <summary>A host-side named float32 tensor.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data);

/// <summary>A safetensors file: tensors by name plus string metadata.</summary>
public sealed record SafeTensorsFile(IReadOnlyDictionary<string, NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Reads and writes the safetensors format (docs/formats.md): an 8-byte little-endian header length, a JSON
/// header, then the raw little-endian data. Only F32 tensors are written; reading checks every offset and size.
/// </summary>
public static class SafeTensors
{
    /// <summary>No header of ours comes near this; a larger claim means a corrupt or hostile file.</summary>
    public const long MaxHeaderBytes = 16 * 1024 * 1024;

    public static void Write(string path, IEnumerable<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in list)
            {
                if (ShapeUtil.Product(t.Shape) != t.Data.Length)
                    throw new ArgumentException($"tensor '{t.Name}' has {t.Data.Length} values for shape {ShapeUtil.Format(t.Shape)}");
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + 4L * t.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += 4L * t.Data.Length;
            }
            json.WriteEndObject();
        }
        // The format pads the header with spaces to a multiple of 8 so the data is aligned.
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');

        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            stream.Write(len);
            header.Position = 0;
            header.CopyTo(stream);
            var bytes = new byte[4096];
            foreach (var t in list)
            {
                for (int i = 0; i < t.Data.Length; i += bytes.Length / 4)
                {
                    int count = Math.Min(bytes.Length / 4, t.Data.Length - i);
                    for (int j = 0; j < count; j++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(j * 4), t.Data[i + j]);
                    stream.Write(bytes, 0, count * 4);
                }
            }
        });
    }

    /// <summary>Reads a file; any inconsistency is an <see cref="InvalidDataException"/> naming the problem.</summary>
    public static SafeTensorsFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static SafeTensorsFile Read(Stream stream, string name)
    {
        long fileLength = stream.Length;
        Span<byte> lenBytes = stackalloc byte[8];
        if (fileLength < 8 || stream.Read(lenBytes) != 8) throw new InvalidDataException($"{name}: too short to be a safetensors file");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, fileLength - 8))
            throw new InvalidDataException($"{name}: header length {headerLength} is larger than the file allows");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength, dataLength = fileLength - dataStart;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(headerBytes); }
        catch (JsonException e) { throw new InvalidDataException($"{name}: header is not valid JSON ({e.Message})"); }

        var tensors = new Dictionary<string, NamedTensor>();
        var metadata = new Dictionary<string, string>();
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{name}: header is not a JSON object");
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    foreach (var m in entry.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                tensors[entry.Name] = ReadTensor(stream, name, entry, dataStart, dataLength);
            }
        }
        return new SafeTensorsFile(tensors, metadata);
    }

    private static NamedTensor ReadTensor(Stream stream, string file, JsonProperty entry, long dataStart, long dataLength)
    {
        var e = entry.Value;
        string where = $"{file}: tensor '{entry.Name}'";
        try
        {
            string dtype = e.GetProperty("dtype").GetString() ?? "";
            if (dtype != "F32") throw new InvalidDataException($"{where} has dtype {dtype}; only F32 is supported");
            var shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            if (shape.Any(d => d < 0)) throw new InvalidDataException($"{where} has a negative dimension");
            var offsets = e.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                throw new InvalidDataException($"{where} has data offsets outside the file (truncated?)");
            long count = ShapeUtil.Product(shape);
            if (count * 4 != offsets[1] - offsets[0])
                throw new InvalidDataException($"{where}: shape {ShapeUtil.Format(shape)} needs {count * 4} bytes, offsets give {offsets[1] - offsets[0]}");
            var bytes = new byte[count * 4];
            stream.Position = dataStart + offsets[0];
            stream.ReadExactly(bytes);
            var data = new float[count];
            for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4));
            return new NamedTensor(entry.Name, shape, data);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or EndOfStreamException or OverflowException)
        {
            throw new InvalidDataException($"{where} is malformed ({ex.Message})");
        }
    }
}
