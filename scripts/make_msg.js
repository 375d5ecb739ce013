// Write a minimal Outlook .msg (a CFB file of MAPI property streams) for the format fixtures.
// Needs the npm package `cfb` (SheetJS): npm install cfb@1; then
//   node scripts/make_msg.js OUT.msg "Subject" BODY.txt "Sender Name" sender@example.org
const CFB = require('cfb');
const fs = require('fs');
const [out, subject, bodyFile, senderName, senderAddress] = process.argv.slice(2);
const text = s => Buffer.from(s, 'utf16le');  // PT_UNICODE (001F) streams, no terminator
const cfb = CFB.utils.cfb_new();
const add = (path, data) => CFB.utils.cfb_add(cfb, path, data);
add('/__substg1.0_001A001F', text('IPM.Note'));                  // message class
add('/__substg1.0_0037001F', text(subject));                     // subject
add('/__substg1.0_0C1A001F', text(senderName));                  // sender name
add('/__substg1.0_0C1F001F', text(senderAddress));               // sender address
add('/__substg1.0_0E04001F', text('PoC review board'));          // display To
add('/__substg1.0_1000001F', text(fs.readFileSync(bodyFile, 'utf8')));  // plain-text body
add('/__properties_version1.0', Buffer.alloc(32));               // the top-level property header
for (const id of ['00020102', '00030102', '00040102']) {
  add(`/__nameid_version1.0/__substg1.0_${id}`, Buffer.alloc(0));  // an empty named-property map
}
CFB.utils.cfb_del(cfb, '/\u0001Sh33tJ5');  // the library's own placeholder entry
fs.writeFileSync(out, CFB.write(cfb, { type: 'buffer' }));
