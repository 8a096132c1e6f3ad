// Compile every WXML and WXSS file of the mini-program with Tencent's own
// compilers (wcc and wcsc, shipped in the `miniprogram-compiler` package), as
// WeChat DevTools does before a preview or an upload. Exits 1 on any error.
//
//   node scripts/compile-check.js [projectRoot]
const path = require('path')
const glob = require('glob')
const wcc = require('miniprogram-compiler/src/wcc')
const wcsc = require('miniprogram-compiler/src/wcsc')

const IGNORE = ['node_modules/**', 'tests/**', 'scripts/**']

function sources(root, ext) {
  return glob.sync(`**/*.${ext}`, { cwd: root, nodir: true, ignore: IGNORE }).sort()
}

function compileWxml(root) {
  const files = sources(root, 'wxml')
  const wxs = sources(root, 'wxs')
  // wcc compiles the whole set at once (templates may import each other).
  const code = wcc(root, files.map(f => f.slice(0, -'.wxml'.length)), wxs, {})
  // The generated code expects a browser-like global object.
  const $gwx = new Function('global', 'window', `${code}; return $gwx;`)({}, {})
  for (const file of files) {
    if (typeof $gwx(file) !== 'function') throw new Error(`编译 .wxml 文件错误：${file} 没有生成渲染函数`)
  }
  return files
}

function compileWxss(root) {
  const files = sources(root, 'wxss')
  const result = wcsc(root, files.map(f => f.slice(0, -'.wxss'.length)), {})
  if (result instanceof Error) throw result // wcsc returns its error instead of throwing
  const missing = files.filter(f => !(f in result))
  if (missing.length) throw new Error(`编译 .wxss 文件错误：${missing.join(', ')} 没有编译结果`)
  return files
}

function main(root) {
  root = path.resolve(root) // wcc/wcsc `require` page JSON files by this path
  const wxml = compileWxml(root)
  const wxss = compileWxss(root)
  console.log(`wcc: ${wxml.length} WXML files compiled; wcsc: ${wxss.length} WXSS files compiled`)
}

if (require.main === module) {
  try {
    main(process.argv[2] || path.join(__dirname, '..'))
  } catch (error) {
    console.error(error.message || error)
    process.exit(1)
  }
}

module.exports = { main }
