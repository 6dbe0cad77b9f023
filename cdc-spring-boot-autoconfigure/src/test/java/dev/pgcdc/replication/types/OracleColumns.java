package dev.pgcdc.replication.types;

import java.util.ArrayList;
import java.util.List;

/**
 * The column types and values {@link ValueDecodersOracleTests} stores, one table per column type and one
 * row per value: edge values of every type (NULL, empty, unicode, extremes, infinities, empty ranges),
 * and arrays with NULL elements.
 */
final class OracleColumns {

	private OracleColumns() {
	}

	/**
	 * A column type with the values to store in it; each value is one row of table {@link #table()}.
	 */
	record Column(int index, String type, List<String> values, String requires, int sinceVersion) {

		String table() {
			return "t" + this.index;
		}

		Column requires(String extension) {
			return new Column(this.index, this.type, this.values, extension, this.sinceVersion);
		}

		Column since(int version) {
			return new Column(this.index, this.type, this.values, this.requires, version);
		}

	}

	static List<Column> all() {
		Columns add = new Columns();
		String allBytes = "(SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex') FROM generate_series(0, 255) i)";

		add.column("int2", "NULL", "0", "1", "-1", "-32768", "32767");
		add.column("int4", "NULL", "0", "42", "-2147483648", "2147483647");
		add.column("int8", "NULL", "0", "1", "-9223372036854775808", "9223372036854775807");
		add.column("oid", "0", "1", "2147483648", "4294967295");
		add.column("float4", "NULL", "0", "'-0'", "'NaN'", "'Infinity'", "'-Infinity'", "'3.4028235e38'", "'1.4e-45'",
				"'1.17549435e-38'", "0.1", "-123.456", "1e10", "16777217");
		add.column("float8", "NULL", "0", "'-0'", "'NaN'", "'Infinity'", "'-Infinity'", "'1.7976931348623157e308'",
				"'4.9e-324'", "'2.2250738585072014e-308'", "0.1", "'1e-300'", "123456789.123456789", "pi()",
				"9007199254740993");
		add.column("numeric", "NULL", "0", "'-0'", "1.50", "-1.50", "'NaN'", "'Infinity'", "'-Infinity'",
				"999999999999999999", "-999999999999999999", "1000000000000000000", "-9223372036854775808",
				"12345678901234567890.123456789", "0.000000000000000001", "'0.000'", "'1e-20'",
				"repeat('9', 1000)::numeric", "('-' || repeat('1234567890', 100) || '.5')::numeric",
				"('0.' || repeat('0', 16382) || '1')::numeric", "'1e131071'::numeric");
		add.column("numeric(10,4)", "1.2", "-999999.9999", "0");
		add.column("bool", "NULL", "true", "false");
		add.column("text", "NULL", "''", "'hello'", "'emoji 😀🎉👨‍👩‍👧 and more'", "'日本語テキスト 中文 한국어'",
				"'e' || U&'\\0301' || ' combining'", "'quotes '' \" \\ backslash'", "E'tab\\tnewline\\ncr\\r'",
				"'NULL'", "'{\"a\",1}'", "repeat('x', 1048576)", "repeat('日本', 200000)");
		add.column("varchar(20)", "''", "'abc'", "'ñandú'");
		add.column("varchar", "'x'", "repeat('v', 10000)");
		add.column("char(5)", "'ab'", "''", "'abcde'", "'日本'");
		add.column("bpchar", "'x  '", "'y'");
		add.column("name", "'pg_catalog'", "repeat('n', 63)", "'日本'");
		add.column("\"char\"", "'a'", "'Z'", "'é'", "''");
		add.column("citext", "'MiXeD Case'", "'日本'", "''").requires("citext");
		add.column("uuid", "NULL", "'00000000-0000-0000-0000-000000000000'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
				"'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'", "'{12345678-1234-5678-9abc-def012345678}'");
		String[] json = { "'{\"a\": \"\\u00e9\\ud83d\\ude00\", \"b\": [1, 2.50, null]}'", "'[]'", "'null'",
				"'\"str\"'", "'  {\"ws\" :  1 }  '", "'{\"q\":\"\\\"quoted\\\" \\\\ back\"}'", "'{\"日本\": \"😀\"}'" };
		add.column("json", json);
		add.column("jsonb", json);
		add.column("bytea", "NULL", "'\\x'", "'\\x00'", allBytes, "convert_to('日本 😀', 'UTF8')", "'\\x5c5c22'",
				"decode(repeat('ab', 100000), 'hex')");
		add.column("date", "NULL", "'2024-02-29'", "'1970-01-01'", "'0001-01-01'", "'0001-12-31 BC'",
				"'0044-03-15 BC'", "'0001-02-29 BC'", "'4713-01-01 BC'", "'5874897-12-31'", "'infinity'",
				"'-infinity'", "'1582-10-10'", "'9999-12-31'", "'10000-01-01'");
		add.column("time", "NULL", "'00:00:00'", "'23:59:59.999999'", "'24:00:00'", "'12:34:56.789'",
				"'00:00:00.000001'", "'13:00:00.1'");
		add.column("time(3)", "'12:34:56.7891'");
		add.column("timetz", "'00:00:00+00'", "'12:00:00+05:30'", "'23:59:59.999999-15:59'", "'24:00:00+00'",
				"'24:00:00+05:30'", "'12:00:00+00:53:28'", "'12:00:00-03:30'", "'00:00:00.000001+15:59'");
		add.column("timestamp", "NULL", "'2024-01-01 00:00:00'", "'2024-06-15 12:34:56.123456'",
				"'1970-01-01 00:00:00'", "'0044-03-15 12:00:00 BC'", "'4713-01-01 00:00:00 BC'",
				"'294276-12-31 23:59:59.999999'", "'infinity'", "'-infinity'", "'1582-10-10 12:00:00'",
				"'2000-02-29 23:59:59.5'", "'0001-02-29 00:00:00 BC'");
		add.column("timestamptz", "NULL", "'2024-01-01 00:00:00+00'", "'2024-06-15 12:34:56.123456+05:30'",
				"'2024-03-10 02:30:00 America/New_York'", "'2024-07-01 12:00:00+14'", "'1800-01-01 00:00:00+00'",
				"'1900-01-01 00:00:00+00'", "'0044-03-15 12:00:00+00 BC'", "'4713-01-01 00:00:00+00 BC'",
				"'294276-12-31 23:59:59.999999+00'", "'infinity'", "'-infinity'", "'1970-01-01 00:00:00.000001+00'");
		add.column("interval", "NULL", "'1 year 2 mons 3 days 04:05:06.789'", "'-1 days'", "'0'",
				"'00:00:00.000001'", "'-178000000 years'", "'1 mon -1 days +02:03:04'", "'123:45:00'");
		add.column("interval", "'infinity'", "'-infinity'").since(170000);

		add.column("int4[]", "NULL", "'{}'", "'{1,2,3}'", "'{1,NULL,3}'", "'{NULL}'", "'{{1,2},{3,4}}'",
				"'{{{1,2}},{{3,4}}}'", "'[0:1]={1,2}'", "'[-2:-1][1:2]={{1,NULL},{3,4}}'",
				"'{-2147483648,2147483647}'");
		add.column("int2[]", "'{1,-32768}'");
		add.column("int8[]", "'{9223372036854775807,NULL}'");
		add.column("oid[]", "'{0,4294967295}'");
		add.column("text[]", "'{}'", "'{a,b}'",
				"ARRAY['a,b', 'c\"d', 'e\\f', '{x}', 'NULL', NULL, '', ' sp ', 'emoji 😀', 'semi;colon', E'tab\\there', 'ü']",
				"ARRAY[ARRAY['a','b'],ARRAY[NULL,'\"']]", "ARRAY['nULl']", "ARRAY[repeat('y', 100000)]",
				"ARRAY['\\\\', '\\\"', '\"\\']");
		add.column("varchar[]", "ARRAY['x', 'y z']");
		add.column("char(2)[]", "ARRAY['a', 'bb']");
		add.column("name[]", "ARRAY['a', 'b c']");
		add.column("\"char\"[]", "ARRAY['a', 'b']::\"char\"[]");
		add.column("bool[]", "'{t,f,NULL}'");
		add.column("float4[]", "'{NaN,Infinity,-Infinity,-0,1.5,NULL}'");
		add.column("float8[]", "'{NaN,Infinity,-Infinity,-0,1.5,NULL,1e-300}'");
		add.column("numeric[]", "'{NaN,Infinity,-Infinity,1.50,NULL,0}'", "ARRAY[repeat('9', 1000)::numeric]");
		add.column("uuid[]", "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}'");
		add.column("bytea[]", "ARRAY['\\x0102'::bytea, NULL, '\\x'::bytea, '\\x5c22'::bytea]", "ARRAY[" + allBytes + "]");
		add.column("date[]", "'{2024-01-01,infinity,-infinity,NULL,\"0044-03-15 BC\"}'");
		add.column("time[]", "'{00:00:00,24:00:00,12:34:56.789}'");
		add.column("timetz[]", "'{12:00:00+05:30,24:00:00+00}'");
		add.column("timestamp[]", "'{\"2024-01-01 00:00:00\",infinity,-infinity,\"0044-03-15 12:00:00 BC\"}'");
		add.column("timestamptz[]",
				"'{\"2024-01-01 00:00:00+00\",infinity,-infinity,\"1800-01-01 00:00:00+00\",NULL}'");
		add.column("interval[]", "'{\"1 day\",\"-1 mons +02:00:00\",NULL}'");
		add.column("json[]", "ARRAY['{\"a\": [1, \"x,y\"]}'::json, 'null'::json, NULL]");
		add.column("jsonb[]", "ARRAY['{\"a\": \"\\u00e9\"}'::jsonb]");
		add.column("inet[]", "'{1.2.3.4,::1/128,NULL}'");
		add.column("xml[]", "ARRAY['<a x=\"1\"/>'::xml]");
		add.column("mood[]", "'{sad,happy,NULL}'", "ARRAY['très \"heureux\", {}']::mood[]");
		add.column("dint[]", "'{1,NULL,3}'");
		add.column("dtext[]", "'{a,\"b c\",NULL}'");
		add.column("citext[]", "'{a,B}'").requires("citext");

		add.column("inet", "'192.168.0.1'", "'::1'", "'10.0.0.0/8'");
		add.column("cidr", "'10.0.0.0/8'", "'2001:db8::/32'");
		add.column("macaddr", "'08:00:2b:01:02:03'");
		add.column("macaddr8", "'08:00:2b:01:02:03:04:05'");
		add.column("xml", "'<a x=\"1\">ü</a>'", "XMLPARSE(DOCUMENT '<?xml version=\"1.0\"?><r/>')");
		structuredColumns(add);
		add.column("tsvector", "'a fat cat'");
		add.column("tsquery", "'fat & rat'");
		add.column("pg_lsn", "'16/B374D848'");
		add.column("xid8", "'42'");
		add.column("jsonpath", "'$.a[*] ? (@ > 1)'");
		add.column("regclass", "'pg_class'");
		add.column("mood", "NULL", "'sad'", "'happy'", "'très \"heureux\", {}'");
		add.column("dint", "NULL", "5", "-2147483648");
		add.column("dtext", "'x'", "''");
		add.column("ddint", "7");
		add.column("dintarr", "'{1,2}'", "'{}'");
		add.column("dts", "'2024-01-01 00:00:00+05:30'", "'infinity'");
		return add.columns;
	}

	/**
	 * The types pgjdbc gives something other than a String for, beyond the common scalars: money, bit
	 * strings, geometric types, hstore, ranges, multiranges and composites, and arrays of them.
	 */
	private static void structuredColumns(Columns add) {
		add.column("money", "NULL", "'0'", "'12.34'", "'-1'", "'0.01'", "'1000'", "'-1234.56'", "'92233720368547758.07'",
				"'-92233720368547758.08'");
		add.column("money[]", "'{1.50,-2,NULL}'", "'{}'");
		add.column("bit(1)", "NULL", "B'1'", "B'0'");
		add.column("bit(3)", "B'101'", "B'000'");
		add.column("bit(200)", "(repeat('10', 100))::bit(200)");
		add.column("varbit", "NULL", "B''", "B'1'", "B'0'", "B'1010'", "repeat('01', 5000)::varbit");
		add.column("bit(1)[]", "'{1,0,NULL}'");
		add.column("bit(2)[]", "'{10,NULL}'");
		add.column("varbit[]", "'{101,0,NULL}'", "ARRAY[B''::varbit, B'1']");
		add.column("point", "NULL", "'(1,2)'", "'(-1.5,2.25)'", "'(NaN,Infinity)'", "'(-Infinity,0)'",
				"'(1e300,-1e-300)'", "'(1.7976931348623157e308,4.9e-324)'", "'(0.1,-0)'");
		add.column("line", "NULL", "'{1,2,3}'", "'{-1,0,0.5}'", "'{0,-1,1e-300}'");
		add.column("lseg", "'[(0,0),(1,1)]'", "'[(-1.5,NaN),(Infinity,2)]'");
		add.column("box", "'(1,2),(0,0)'", "'(0,0),(0,0)'", "'(1e300,1),(-1e300,-1)'");
		add.column("path", "'[(0,0),(1,1),(2,0)]'", "'((0,0),(1,1))'", "'[(5,5)]'");
		add.column("polygon", "'((0,0),(1,1),(2,0))'", "'((1,1))'");
		add.column("circle", "'<(0,0),1>'", "'<(1.5,-2),0>'", "'<(NaN,1),Infinity>'");
		add.column("point[]", "'{\"(1,2)\",NULL,\"(3.5,-4)\"}'", "'{}'");
		add.column("box[]", "'{(1,2),(0,0);(3,4),(1,1)}'", "ARRAY['(1,1),(0,0)'::box, NULL]");
		add.column("line[]", "ARRAY['{1,2,3}'::line, NULL]");
		add.column("lseg[]", "ARRAY['[(0,0),(1,1)]'::lseg]");
		add.column("path[]", "ARRAY['[(0,0),(1,1)]'::path, NULL, '((0,0),(1,0),(1,1))'::path]");
		add.column("polygon[]", "ARRAY['((0,0),(1,1),(2,0))'::polygon]");
		add.column("circle[]", "ARRAY['<(0,0),1>'::circle, NULL]");
		add.column("hstore", "NULL", "''", "'a=>1, b=>NULL, \"c d\"=>\"e\"'", "'\"k\\\"q\"=>\"v\\\\w\"'",
				"'\"日本\"=>\"😀 é\"'", "'\"NULL\"=>\"NULL\"'", "'a=>\"\"'", "'\"=>\"=>\",\"'",
				"hstore(ARRAY['k1', 'k2', 'x y'], ARRAY['v1', NULL, '{\"json\": [1]}'])",
				"(SELECT hstore(array_agg('key' || i), array_agg(repeat('v', i))) FROM generate_series(1, 300) i)")
			.requires("hstore");
		add.column("hstore[]", "ARRAY['a=>1'::hstore, NULL, ''::hstore, '\"x,y\"=>\"{}\"'::hstore]")
			.requires("hstore");
		add.column("int4range", "NULL", "'[1,5)'", "'[1,4]'", "'(0,5]'", "'empty'", "'(,)'", "'(,5)'", "'[1,)'",
				"'[-2147483648,2147483647)'", "'[3,3]'");
		add.column("int8range", "'[1,9223372036854775807)'", "'(,-9223372036854775807]'", "'empty'");
		add.column("numrange", "'[1.5,2.5]'", "'(,0.000001)'", "'[-1e-20,1e20)'", "'empty'", "'(1.50,)'",
				"numrange(repeat('9', 1000)::numeric, NULL)");
		add.column("tsrange", "'[2024-01-01,2024-02-01)'", "'[-infinity,infinity]'", "'[\"2024-01-01 12:00:00.5\",)'",
				"'[\"0044-03-15 12:00:00 BC\",\"0001-01-01 00:00:00\"]'", "'empty'");
		add.column("tstzrange", "'[2024-01-01 00:00:00+00,infinity)'", "'(,\"2024-06-15 12:34:56.123456+05:30\"]'",
				"'[-infinity,)'", "'[\"1800-01-01 00:00:00+00\",\"1900-01-01 00:00:00+00\")'", "'empty'");
		add.column("daterange", "'[2024-01-01,2024-02-01)'", "'[2024-01-01,2024-01-01]'", "'[-infinity,infinity]'",
				"'[0044-03-15 BC,0044-03-16 BC)'", "'(,2024-01-01)'", "'empty'");
		add.column("floatrange", "'[1.5,2.5)'", "'[-Infinity,Infinity]'", "'(,0)'", "'empty'");
		add.column("textrange", "'[a,b)'", "'[\"a b\",\"c\\\"d\")'", "'[\"\",é)'", "'(\"日本\",)'",
				"'[\"x,y\",\"z)\"]'", "'[\"\\\\\",\"\\\\z\"]'");
		add.column("int4multirange", "NULL", "'{}'", "'{[1,3),[5,7)}'", "'{(,0),[10,)}'", "'{[1,2],[3,4]}'", "'{(,)}'");
		add.column("int8multirange", "'{[1,2),[9223372036854775806,9223372036854775807)}'");
		add.column("nummultirange", "'{[1.5,2.5],(3,)}'", "'{}'");
		add.column("tsmultirange", "'{[2024-01-01,2024-02-01),[2024-03-01,infinity)}'");
		add.column("tstzmultirange", "'{[2024-01-01 00:00:00+00,infinity)}'", "'{(,\"2024-06-15 12:00:00+05:30\")}'");
		add.column("datemultirange", "'{[2024-01-01,2024-02-01),[2024-03-01,)}'", "'{}'");
		add.column("textrange_multirange", "'{[a,b),[\"c d\",e]}'");
		add.column("int4range[]", "'{\"[1,5)\",empty,NULL}'", "'{}'", "ARRAY['(,)'::int4range]");
		add.column("tstzrange[]", "ARRAY['[2024-01-01 00:00:00+00,infinity)'::tstzrange, NULL, 'empty']");
		add.column("daterange[]", "ARRAY['[2024-01-01,2024-01-05)'::daterange, '[-infinity,2024-01-01)']");
		add.column("textrange[]", "ARRAY['[\"a,b\",\"c}\")'::textrange]");
		add.column("int4multirange[]", "ARRAY['{[1,3),[5,7)}'::int4multirange, '{}', NULL]");
		add.column("pair", "NULL", "ROW(1, 'x y')", "ROW(NULL, '\"')", "ROW(NULL, NULL)", "ROW(-1, '')",
				"ROW(2147483647, '日本 😀, (x) \\ \"q\" ''s')", "ROW(0, 'NULL')", "ROW(3, repeat('r', 100000))");
		add.column("nested", "ROW(ROW(1, 'a,b'), ARRAY['x', NULL, 'y z'], '[1,3)', '2024-01-01 00:00:00+00')",
				"ROW(NULL, NULL, NULL, 'infinity')", "ROW(ROW(NULL, NULL), '{}', 'empty', NULL)");
		add.column("trio", "ROW(1, true)", "ROW(NULL, false)");
		add.column("pair[]", "ARRAY[ROW(1, 'a,b')::pair, NULL]", "ARRAY[ROW(NULL, NULL)::pair, ROW(2, '\"{}\"')::pair]");
		add.column("nested[]", "ARRAY[ROW(ROW(1, 'p'), ARRAY['q'], '(,)', NULL)::nested]");
		add.column("dpair", "ROW(5, 'domain over a composite')");
		// a table's row type is a composite too
		add.column("t0", "ROW(1, 2)::t0", "ROW(NULL, NULL)::t0");
		add.column("dintrange", "'[1,10)'");
	}

	private static final class Columns {

		private final List<Column> columns = new ArrayList<>();

		Columns column(String type, String... values) {
			this.columns.add(new Column(this.columns.size(), type, List.of(values), null, 0));
			return this;
		}

		Columns requires(String extension) {
			int last = this.columns.size() - 1;
			this.columns.set(last, this.columns.get(last).requires(extension));
			return this;
		}

		Columns since(int version) {
			int last = this.columns.size() - 1;
			this.columns.set(last, this.columns.get(last).since(version));
			return this;
		}

	}

}
