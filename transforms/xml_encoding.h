#pragma once
// HL7 v2 XML encoding of a parsed message (the `xml` transform's output), written with libxml2.
//
// Contract: a pure function of the message; never throws (libxml2 is C and reports by return
// codes; a writer failure yields an empty string, which the caller treats as an error). The
// output follows the HL7 v2.xml encoding rules (namespace urn:hl7-org:v2xml):
//   <ADT_A01 xmlns="urn:hl7-org:v2xml">             root: MSH-9.3, else MSH-9.1 "_" MSH-9.2
//     <MSH><MSH.1>|</MSH.1><MSH.2>^~\&amp;</MSH.2>
//       <MSH.3><HD.1>PAS</HD.1></MSH.3> ...          components named by the field's data type
//     <PID>...<PID.3><CX.1>9990000018</CX.1><CX.4><HD.1>NHS</HD.1></CX.4><CX.5>NH</CX.5></PID.3>
//         <PID.3>...</PID.3>                          one element per repetition
// with these documented simplifications:
// - segments are written in message order, not nested in the schema's groups (ORU_R01.PATIENT);
// - data types come from a built-in table of v2.5 types for the segments the engine routes
//   (MSH EVN PID PD1 NK1 PV1 PV2 MRG AL1 DG1 ORC OBR OBX NTE SPM SCH RGS AIS AIG AIL AIP MSA ERR);
//   a field of another segment (Z-segments too) or of an unknown type is written with
//   positional names (<ZPI.1.2> for component 2 of ZPI-1), and so is a component of a primitive
//   type that nevertheless holds sub-components;
// - OBX-5 is typed by OBX-2 when that is a known type;
// - values are unescaped and UTF-8; formatting escapes (\.br\, \H\ ...) stay as text; characters
//   XML 1.0 cannot carry (C0 controls other than TAB, LF, CR) become U+FFFD;
// - empty fields, components and sub-components are left out; an HL7 null is written as "".
// Thread-safe: the type table is built once, immutably, on first use.
#include <string>

#include "engine/hl7/message.h"

namespace irwell::transforms {

// The v2.xml document (with an XML declaration, UTF-8); `indent` pretty-prints it.
std::string encode_xml(const hl7::Message& m, bool indent);

}  // namespace irwell::transforms
