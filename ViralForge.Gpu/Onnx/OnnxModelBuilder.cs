using Google.Protobuf;

namespace ViralForge.Gpu.Onnx;

/// <summary>
/// Writes small ONNX models from code (the ONNX protobuf schema, field by field): the probe that
/// proves an execution provider really runs, and the tests' stand-ins with the real signatures.
/// </summary>
public sealed class OnnxModelBuilder(string graphName)
{
    public const int TensorFloat = 1;
    public const int TensorInt32 = 6;
    public const int TensorInt64 = 7;
    public const int TensorFloat16 = 10;

    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _initializers = [];
    private readonly List<byte[]> _inputs = [];
    private readonly List<byte[]> _outputs = [];
    private int _counter;

    /// <summary>A graph input; a dimension given as a string is symbolic (any size).</summary>
    public OnnxModelBuilder Input(string name, int elementType, params object[] shape)
    {
        _inputs.Add(ValueInfo(name, elementType, shape));
        return this;
    }

    public OnnxModelBuilder Output(string name, int elementType, params object[] shape)
    {
        _outputs.Add(ValueInfo(name, elementType, shape));
        return this;
    }

    public string Constant(float[] values, params long[] dims)
    {
        var name = Fresh("c");
        _initializers.Add(Tensor(name, TensorFloat, dims, values, null));
        return name;
    }

    public string Constant(long[] values, params long[] dims)
    {
        var name = Fresh("c");
        _initializers.Add(Tensor(name, TensorInt64, dims, null, values));
        return name;
    }

    /// <summary>Adds a node; returns its (first) output name.</summary>
    public string Node(string opType, string[] inputs, string? output = null, params (string Name, object Value)[] attributes)
    {
        output ??= Fresh(opType.ToLowerInvariant());
        _nodes.Add(Message(w =>
        {
            foreach (var input in inputs)
            {
                w.WriteString(1, input);
            }
            w.WriteString(2, output);
            w.WriteString(3, Fresh("n"));
            w.WriteString(4, opType);
            foreach (var (name, value) in attributes)
            {
                w.WriteMessage(5, Attribute(name, value));
            }
        }));
        return output;
    }

    public byte[] Build(int opset = 17) => Message(w =>
    {
        w.WriteInt64(1, 8); // ir_version
        w.WriteString(2, "viralforge");
        w.WriteMessage(7, Message(g =>
        {
            foreach (var node in _nodes) g.WriteMessage(1, node);
            g.WriteString(2, graphName);
            foreach (var init in _initializers) g.WriteMessage(5, init);
            foreach (var input in _inputs) g.WriteMessage(11, input);
            foreach (var output in _outputs) g.WriteMessage(12, output);
        }));
        w.WriteMessage(8, Message(o =>
        {
            o.WriteString(1, "");
            o.WriteInt64(2, opset);
        }));
    });

    public void Save(string path) => File.WriteAllBytes(path, Build());

    private string Fresh(string prefix) => $"{prefix}_{_counter++}";

    private static byte[] Tensor(string name, int type, long[] dims, float[]? floats, long[]? longs) => Message(w =>
    {
        foreach (var d in dims) w.WriteInt64(1, d);
        w.WriteInt32(2, type);
        w.WriteString(8, name);
        var raw = floats is not null
            ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()).ToArray()
            : System.Runtime.InteropServices.MemoryMarshal.AsBytes(longs!.AsSpan()).ToArray();
        w.WriteBytes(9, raw);
    });

    private static byte[] ValueInfo(string name, int elementType, object[] shape) => Message(w =>
    {
        w.WriteString(1, name);
        w.WriteMessage(2, Message(type => type.WriteMessage(1, Message(tensor =>
        {
            tensor.WriteInt32(1, elementType);
            tensor.WriteMessage(2, Message(s =>
            {
                foreach (var dim in shape)
                {
                    s.WriteMessage(1, Message(d =>
                    {
                        if (dim is string symbol) d.WriteString(2, symbol);
                        else d.WriteInt64(1, Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture));
                    }));
                }
            }));
        }))));
    });

    private static byte[] Attribute(string name, object value) => Message(w =>
    {
        w.WriteString(1, name);
        switch (value)
        {
            case float f:
                w.WriteFloat(2, f);
                w.WriteInt32(20, 1);
                break;
            case int or long:
                w.WriteInt64(3, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                w.WriteInt32(20, 2);
                break;
            case string s:
                w.WriteBytes(4, System.Text.Encoding.UTF8.GetBytes(s));
                w.WriteInt32(20, 3);
                break;
            case long[] ints:
                foreach (var i in ints) w.WriteInt64(8, i);
                w.WriteInt32(20, 7);
                break;
            case float[] floats:
                foreach (var f in floats) w.WriteFloat(7, f);
                w.WriteInt32(20, 6);
                break;
            default:
                throw new ArgumentException($"Attribute type {value.GetType()} is not supported.");
        }
    });

    private static byte[] Message(Action<ProtoWriter> write)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        write(new ProtoWriter(output));
        output.Flush();
        return stream.ToArray();
    }

    private sealed class ProtoWriter(CodedOutputStream output)
    {
        public void WriteString(int field, string value)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteString(value);
        }

        public void WriteBytes(int field, byte[] value)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(value));
        }

        public void WriteMessage(int field, byte[] message) => WriteBytes(field, message);

        public void WriteInt64(int field, long value)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteInt64(value);
        }

        public void WriteInt32(int field, int value)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteInt32(value);
        }

        public void WriteFloat(int field, float value)
        {
            output.WriteTag(field, WireFormat.WireType.Fixed32);
            output.WriteFloat(value);
        }
    }
}
