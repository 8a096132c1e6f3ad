/**
 * WeChat's privacy authorisation (隐私协议授权).
 *
 * chooseMedia and chooseLocation are privacy APIs: until the user agrees to
 * the mini-program's privacy guide (用户隐私保护指引, filled in the admin
 * console), WeChat holds such a call and fires wx.onNeedPrivacyAuthorization.
 * We must show our own popup, and answer with resolve({event: 'agree', buttonId})
 * from a button with open-type="agreePrivacyAuthorization", or
 * resolve({event: 'disagree'}), which makes the held call fail.
 *
 * watch() is called once from app.js; the privacy-popup component on a page
 * listens with onRequest(), and answers with agree()/disagree().
 */
let pending = null
let listeners = []
let watching = false

function watch() {
  if (watching || !wx.onNeedPrivacyAuthorization) return
  watching = true
  wx.onNeedPrivacyAuthorization(resolve => {
    pending = resolve
    if (listeners.length) {
      listeners.forEach(show => show())
    } else {
      // No popup on this page to ask with: refuse, so the call fails and says so.
      disagree()
    }
  })
}

/** Call `show()` when WeChat needs the user's agreement; returns the unsubscribe function. */
function onRequest(show) {
  listeners.push(show)
  if (pending) show()
  return () => { listeners = listeners.filter(l => l !== show) }
}

function answer(result) {
  const resolve = pending
  pending = null
  if (resolve) resolve(result)
}

/** The user tapped the agree button (open-type="agreePrivacyAuthorization", id `buttonId`). */
function agree(buttonId) {
  answer({event: 'agree', buttonId})
}

function disagree() {
  answer({event: 'disagree'})
}

/** True for a failure caused by the privacy guide (not agreed, or the API not declared in it). */
function isPrivacyFailure(res) {
  const msg = (res && res.errMsg) || ''
  return /privacy/i.test(msg) || [104, 112].includes(res && res.errno)
}

/** Forget the pending request and listeners (tests). */
function reset() {
  pending = null
  listeners = []
  watching = false
}

module.exports = {watch, onRequest, agree, disagree, isPrivacyFailure, reset}
